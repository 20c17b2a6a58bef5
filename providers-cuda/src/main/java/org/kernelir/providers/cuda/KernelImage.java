package org.kernelir.providers.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import java.util.function.Function;

/**
 * The compiled kernels the build put into this JAR: {@code kir_kernels.fatbin} and {@code kernels.properties}
 * (whether nvcc ran, with which version and targets), both resources beside this class.
 *
 * @param fatbin  the fatbin's bytes, or {@code null} when the build had no nvcc
 * @param toc     its table of contents, or {@code null}
 * @param reason  why there are no kernels, or an empty string
 * @param nvcc    the nvcc version that compiled them, or an empty string
 */
public record KernelImage(byte[] fatbin, Fatbin toc, String reason, String nvcc) {

    /** The fatbin resource's name, relative to this class. */
    public static final String FATBIN = "kir_kernels.fatbin";
    /** The build record's name, relative to this class. */
    public static final String PROPERTIES = "kernels.properties";

    /** Whether the build compiled kernels. */
    public boolean built() {
        return fatbin != null;
    }

    /** Reads the image from this class's resources. */
    public static KernelImage fromResources() {
        return read(KernelImage.class::getResourceAsStream);
    }

    /** Reads the image through {@code open}, which opens a resource by its simple name (tests read folders). */
    static KernelImage read(Function<String, InputStream> open) {
        Properties p = new Properties();
        try (InputStream in = open.apply(PROPERTIES)) {
            if (in == null) {
                return new KernelImage(null, null, "built without CUDA kernels (" + PROPERTIES + " is missing from "
                        + "the JAR)", "");
            }
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + PROPERTIES, e);
        }
        if (!"true".equals(p.getProperty("built"))) {
            return new KernelImage(null, null, p.getProperty("reason", "built without CUDA kernels"), "");
        }
        try (InputStream in = open.apply(FATBIN)) {
            if (in == null) {
                return new KernelImage(null, null, "built without CUDA kernels (" + FATBIN + " is missing from the "
                        + "JAR)", "");
            }
            byte[] bytes = in.readAllBytes();
            return new KernelImage(bytes, Fatbin.parse(bytes), "", p.getProperty("nvcc", ""));
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + FATBIN, e);
        }
    }
}
