package org.kernelir.runtime.plugins;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Makes a plugin that calls {@code System.exit} visible. JDK 25 cannot forbid the call (the security manager is
 * gone), and plugins run in-process with full trust; so a shutdown hook, installed when the first plugin starts,
 * looks at the thread that is exiting the JVM and, when a frame of its stack belongs to a loaded plugin's class,
 * prints one line naming the plugin, its JAR and the frame to standard error. A normal exit (no plugin frame on
 * the exiting thread's stack) prints nothing.
 */
final class ExitWatch {

    /** Class name to the plugin it belongs to, for every loaded plugin. */
    private static final Map<String, String> CLASSES = new ConcurrentHashMap<>();
    private static final AtomicBoolean INSTALLED = new AtomicBoolean();

    private ExitWatch() {
    }

    /** Watches the classes of a plugin that has started (kept after an unload: a plugin's thread may outlive it). */
    static void watch(String plugin, List<String> classNames) {
        classNames.forEach(c -> CLASSES.put(c, plugin));
        if (INSTALLED.compareAndSet(false, true)) {
            Runtime.getRuntime().addShutdownHook(new Thread(ExitWatch::report, "kernel-ir plugin exit watch"));
        }
    }

    /** The line to print when {@code stack} is that of a thread calling System.exit from a plugin, else null. */
    static String culprit(StackTraceElement[] stack) {
        boolean exiting = false;
        for (StackTraceElement f : stack) {
            if (f.getClassName().equals("java.lang.Shutdown") || f.getClassName().equals("java.lang.Runtime")
                    && (f.getMethodName().equals("exit") || f.getMethodName().equals("halt"))) {
                exiting = true;
                continue;
            }
            if (!exiting) {
                continue;
            }
            String plugin = CLASSES.get(f.getClassName());
            if (plugin != null) {
                return "kernel-ir: " + plugin + " ended the process with System.exit, at " + f + "; plugins run "
                        + "in-process with full trust: remove that plugin, or report this to its author";
            }
        }
        return null;
    }

    private static void report() {
        for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
            if (e.getKey() == Thread.currentThread()) {
                continue;
            }
            String line = culprit(e.getValue());
            if (line != null) {
                System.err.println(line);
                System.err.flush();
                return;
            }
        }
    }
}
