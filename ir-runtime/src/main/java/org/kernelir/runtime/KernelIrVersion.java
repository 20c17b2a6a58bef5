package org.kernelir.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The version of this kernel-ir, which plugins' {@code Plugin-Requires} is checked against. Read from
 * {@code kernel-ir-version.properties} (written by the Maven build), else from the {@code Implementation-Version}
 * of the runtime JAR's manifest, else {@value #FALLBACK}.
 */
public final class KernelIrVersion {

    /** The version used when the build left none behind (running from an IDE's class folder). */
    public static final String FALLBACK = "0.1.0";

    private static final String CURRENT = read();

    private KernelIrVersion() {
    }

    /** This kernel-ir's version, e.g. {@code 0.1.0} or {@code 0.1.0-SNAPSHOT}. */
    public static String current() {
        return CURRENT;
    }

    private static String read() {
        try (InputStream in = KernelIrVersion.class.getResourceAsStream("kernel-ir-version.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String v = p.getProperty("version", "").trim();
                if (!v.isEmpty() && !v.startsWith("${")) {
                    return v;
                }
            }
        } catch (IOException e) {
            // fall through to the manifest
        }
        String v = KernelIrVersion.class.getPackage().getImplementationVersion();
        return v == null || v.isBlank() ? FALLBACK : v;
    }
}
