package org.kernelir.core.provider;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls into provider code with a deadline, so that no provider can hang the host. Used on the first and slow calls
 * (constructing a provider, its availability, its registration, a {@code supports} check during lowering, a trace),
 * whose results are kept; never on the eager dispatch path, whose {@code supports} calls run in the caller's thread
 * at full speed.
 *
 * <p>The call runs on a daemon thread of its own. When it does not answer in time, the caller gets a
 * {@link ProviderTimeoutException} naming the provider and what it was doing, and goes on; the stuck thread is
 * interrupted once and abandoned, never joined (Java cannot stop it; as a daemon it does not keep the process alive).
 * A call that missed its deadline is remembered by {@code key}, so the same provider function is not waited for
 * again: later calls with that key fail at once.
 *
 * <p>Deadlines default to {@link Kind#defaultMillis()} and can be changed with the system property
 * {@code kernelir.deadline.<kind>.ms} (for example {@code -Dkernelir.deadline.supports.ms=200}), read on every call.
 * Plugins run in-process with full trust: a deadline protects the host from a slow or looping provider, not from a
 * hostile one.
 */
public final class ProviderCalls {

    private static final Logger LOG = LoggerFactory.getLogger(ProviderCalls.class);
    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final ExecutorService WORKERS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "kernel-ir provider call " + THREADS.incrementAndGet());
        t.setDaemon(true);
        return t;
    });
    /** Provider functions that missed a deadline, weakly, so that an unloaded plugin's classes can go. */
    private static final Map<Object, ProviderTimeoutException> HUNG =
            Collections.synchronizedMap(new WeakHashMap<>());

    private ProviderCalls() {
    }

    /** What the host was doing in provider code; each has its own deadline. */
    public enum Kind {
        /** Constructing a provider (its class's static initializer and constructor) and asking its name. */
        START("starting", 10_000),
        /** Asking a provider whether it is available here. */
        AVAILABILITY("checking its availability", 10_000),
        /** A provider's {@code register} call, declaring its implementations. */
        REGISTER("registering its implementations", 10_000),
        /** A {@code supports} check during lowering. */
        SUPPORTS("checking supports()", 2_000),
        /** Tracing an implementation into its replacement graph. */
        TRACE("tracing", 30_000);

        private final String doing;
        private final long defaultMillis;

        Kind(String doing, long defaultMillis) {
            this.doing = doing;
            this.defaultMillis = defaultMillis;
        }

        /** What the host was doing, for messages ("checking supports()"). */
        public String doing() {
            return doing;
        }

        /** The deadline when no system property sets one. */
        public long defaultMillis() {
            return defaultMillis;
        }

        /** The system property that sets this deadline in milliseconds. */
        public String property() {
            return "kernelir.deadline." + name().toLowerCase(java.util.Locale.ROOT) + ".ms";
        }

        /** The deadline in force, in milliseconds. */
        public long millis() {
            String v = System.getProperty(property());
            if (v != null) {
                try {
                    long ms = Long.parseLong(v.trim());
                    if (ms > 0) {
                        return ms;
                    }
                } catch (NumberFormatException e) {
                    // fall through to the default
                }
                LOG.warn("system property {}={} is not a positive number of milliseconds; using {}", property(), v,
                        defaultMillis);
            }
            return defaultMillis;
        }
    }

    /**
     * Runs {@code body} with the deadline of {@code kind}.
     *
     * @param who  the provider and where it came from, for the message: {@code provider cpu (plugin
     *             kernel-ir-cpu@0.1.0, ...)}
     * @param what what exactly, appended to the kind: {@code "of op rms_norm"}; may be empty
     * @param key  the provider function being called (a {@code supports} rule, an implementation), remembered if it
     *             misses the deadline; {@code null} to remember nothing
     * @return what {@code body} returned
     * @throws ProviderTimeoutException when it did not return in time, or missed a deadline before
     * @throws RuntimeException         what {@code body} threw (a checked exception wrapped)
     * @throws Error                    what {@code body} threw
     */
    public static <T> T call(Kind kind, String who, String what, Object key, Callable<T> body) {
        Objects.requireNonNull(body, "body");
        if (key != null) {
            ProviderTimeoutException before = HUNG.get(key);
            if (before != null) {
                throw before;
            }
        }
        long ms = kind.millis();
        Future<T> f = WORKERS.submit(body);
        try {
            return f.get(ms, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true); // one interrupt; the thread is abandoned, not joined
            ProviderTimeoutException t = new ProviderTimeoutException(who + " did not finish " + kind.doing()
                    + (what == null || what.isEmpty() ? "" : " " + what) + " within " + ms + " ms (" + kind.property()
                    + "); it is skipped and its thread abandoned");
            if (key != null) {
                HUNG.put(key, t);
            }
            throw t;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            f.cancel(true);
            throw new ProviderTimeoutException(who + ": interrupted while " + kind.doing());
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException r) {
                throw r;
            }
            if (c instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(who + ": " + kind.doing() + " threw " + c, c);
        }
    }

    /** Whether {@code key} missed a deadline before (it is then never waited for again). */
    public static boolean hung(Object key) {
        return key != null && HUNG.containsKey(key);
    }
}
