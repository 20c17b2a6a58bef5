package org.kernelir.cli.base;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * Progress of a long task on stderr, shown only once the task has run for a second. On a terminal it is a bar
 * redrawn in place ({@code [#########           ] 37/80 lowering  1.8 s}) and erased at the end; otherwise (a
 * pipe, a CI log) it is one plain line every few seconds, so logs stay short.
 *
 * <p>Not thread-safe: one task reports from one thread.
 */
public final class Progress implements AutoCloseable {

    private static final long SHOW_AFTER_NANOS = 1_000_000_000L;
    private static final long TERMINAL_EVERY_NANOS = 100_000_000L;
    private static final long LOG_EVERY_NANOS = 5_000_000_000L;
    private static final int WIDTH = 30;

    private final PrintWriter err;
    private final boolean terminal;
    private final String label;
    private final long total;
    private final long start = System.nanoTime();
    private long done;
    private long lastShown;
    private boolean drawn;

    Progress(PrintWriter err, boolean terminal, String label, long total) {
        this.err = err;
        this.terminal = terminal;
        this.label = label;
        this.total = total;
    }

    /** A progress that shows nothing. */
    public static Progress none() {
        return new Progress(null, false, "", 0);
    }

    /** One more unit done; {@code what} names it (for example the subgraph just lowered). */
    public void step(String what) {
        done++;
        if (err == null) {
            return;
        }
        long now = System.nanoTime();
        if (now - start < SHOW_AFTER_NANOS || now - lastShown < (terminal ? TERMINAL_EVERY_NANOS : LOG_EVERY_NANOS)) {
            return;
        }
        lastShown = now;
        double s = (now - start) / 1e9;
        if (terminal) {
            int filled = total <= 0 ? 0 : (int) Math.min(WIDTH, done * WIDTH / total);
            String line = String.format(Locale.ROOT, "\r[%s%s] %d/%d %s  %.1f s  %s", "#".repeat(filled),
                    " ".repeat(WIDTH - filled), done, total, label, s, what == null ? "" : what);
            err.print(line.length() > 120 ? line.substring(0, 120) : line + "\u001b[K");
            drawn = true;
        } else {
            err.printf(Locale.ROOT, "%s: %d/%d (%.1f s)%n", label, done, total, s);
        }
        err.flush();
    }

    /** Erases the bar (terminal) so that what follows starts on a clean line. */
    @Override
    public void close() {
        if (err != null && drawn) {
            err.print("\r\u001b[K");
            err.flush();
        }
    }
}
