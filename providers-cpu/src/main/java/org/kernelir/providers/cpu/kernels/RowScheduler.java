package org.kernelir.providers.cpu.kernels;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Splits row-wise kernel work across a small, fixed pool of daemon threads.
 *
 * <p>Small calls run on the calling thread: handing work to another core costs microseconds, more than a
 * memory-bound kernel needs for a hundred KiB. Larger calls are cut into contiguous row chunks that
 * the calling thread and the workers claim one at a time, so the caller never sits idle waiting for a late
 * worker, and a caller that finds every worker busy (another kernel running concurrently, or a nested call from
 * inside a chunk) simply does all chunks itself: no call can deadlock on the pool.
 *
 * <p>Configuration, read once when the class initializes:
 * <ul>
 *   <li>{@value #THREADS_PROPERTY}: total threads per call, the caller included (default
 *       {@link Runtime#availableProcessors()}); {@code 1} turns parallelism off.</li>
 *   <li>{@value #THRESHOLD_PROPERTY}: the least work, in bytes read plus written, that is split (default
 *       {@value #DEFAULT_THRESHOLD_BYTES}).</li>
 * </ul>
 * The pool holds {@code threads - 1} daemon threads created on the first split call; no call creates threads.
 * An idle worker spins for 0.1 ms before it parks, so bursts of kernel calls do not pay a thread wake-up each.
 */
public final class RowScheduler {

    /** System property: total threads per call, including the calling thread. */
    public static final String THREADS_PROPERTY = "kernelir.cpu.threads";
    /** System property: the least work (bytes read plus written) that is split across threads. */
    public static final String THRESHOLD_PROPERTY = "kernelir.cpu.parallelThresholdBytes";
    /**
     * Default of {@value #THRESHOLD_PROPERTY}. Measured on 2 cores with rms_norm rows of 16 KiB called back to
     * back: two threads break even at about 128 KiB of work and are ahead from 256 KiB (at 2 MiB they take 0.6 of
     * the serial time). When the workers are parked the caller simply claims every chunk itself before they wake,
     * so a small split call costs only the wake-up signal.
     */
    public static final long DEFAULT_THRESHOLD_BYTES = 256 * 1024;

    /** Chunks per thread: a few, so a late or busy worker delays the call by a fraction of the work only. */
    private static final int CHUNKS_PER_THREAD = 4;
    /** Below this many bytes a chunk costs more in claiming and cache misses at its edges than it balances. */
    private static final long MIN_CHUNK_BYTES = 64 * 1024;
    /** Spin iterations before the caller parks while workers finish their last chunks. */
    private static final int SPINS_BEFORE_PARK = 1 << 12;

    private static final int THREADS = readPositiveInt(THREADS_PROPERTY, Runtime.getRuntime().availableProcessors());
    private static final long THRESHOLD_BYTES = readPositiveLong(THRESHOLD_PROPERTY, DEFAULT_THRESHOLD_BYTES);

    private RowScheduler() {
    }

    /** Threads that work on one split call, the caller included (at least 1). */
    public static int threads() {
        return THREADS;
    }

    /** The least work, in bytes read plus written over all rows, that is split across threads. */
    public static long parallelThresholdBytes() {
        return THRESHOLD_BYTES;
    }

    /**
     * Runs {@code body} over rows {@code [0, rows)}, on the calling thread when the work is small and otherwise
     * split into contiguous chunks across the pool. Returns when every row is done.
     *
     * <p>Use this overload only when the body touches no memory confined to the calling thread; otherwise use
     * {@link #forRows(int, long, RowRange, MemorySegment...)}.
     *
     * @param rows        rows to process; {@code 0} does nothing
     * @param bytesPerRow bytes read plus written per row, the measure of work compared with the threshold
     * @param body        the work; called with disjoint ranges, possibly concurrently
     * @throws RuntimeException or {@link Error} thrown by the body in any chunk (the first one; further ones
     *                          are attached as suppressed). Chunks not yet started when it happened are skipped.
     */
    public static void forRows(int rows, long bytesPerRow, RowRange body) {
        if (rows < 0) {
            throw new IllegalArgumentException("rows must be >= 0, got " + rows);
        }
        if (rows == 0) {
            return;
        }
        int chunks = chunkCount(rows, bytesPerRow);
        if (chunks <= 1) {
            body.run(0, rows);
            return;
        }
        Pool.run(new Job(body, rows, chunks, Thread.currentThread()));
    }

    /**
     * As {@link #forRows(int, long, RowRange)}, but runs everything on the calling thread when any of the
     * given segments cannot be accessed from another thread (a segment of a confined arena).
     *
     * @param touched every segment the body reads or writes; {@code null} entries are ignored
     */
    public static void forRows(int rows, long bytesPerRow, RowRange body, MemorySegment... touched) {
        if (rows > 0 && chunkCount(rows, bytesPerRow) > 1 && !shareable(touched)) {
            body.run(0, rows);
            return;
        }
        forRows(rows, bytesPerRow, body);
    }

    /** How many chunks a call is cut into; 1 means it runs on the caller alone. */
    static int chunkCount(int rows, long bytesPerRow) {
        if (THREADS == 1 || rows < 2) {
            return 1;
        }
        long perRow = Math.max(bytesPerRow, 1L);
        long total = perRow > Long.MAX_VALUE / rows ? Long.MAX_VALUE : rows * perRow;
        if (total < THRESHOLD_BYTES) {
            return 1;
        }
        long bySize = Math.max(THREADS, total / MIN_CHUNK_BYTES);
        return (int) Math.min(Math.min(rows, (long) THREADS * CHUNKS_PER_THREAD), bySize);
    }

    private static boolean shareable(MemorySegment[] touched) {
        Thread worker = Pool.sentinel();
        for (MemorySegment s : touched) {
            if (s != null && !s.isAccessibleBy(worker)) {
                return false;
            }
        }
        return true;
    }

    /** One split call: chunks are claimed in order by whoever is free; the caller waits for the last one. */
    private static final class Job {
        private final RowRange body;
        private final int rows;
        private final int chunks;
        private final Thread caller;
        private final AtomicInteger nextChunk = new AtomicInteger();
        private final AtomicInteger unfinished;
        private final AtomicReference<Throwable> failure = new AtomicReference<>();

        Job(RowRange body, int rows, int chunks, Thread caller) {
            this.body = body;
            this.rows = rows;
            this.chunks = chunks;
            this.caller = caller;
            this.unfinished = new AtomicInteger(chunks);
        }

        /** Claims and runs chunks until none is left; a worker that arrives late returns at once. */
        void work() {
            int c;
            while ((c = nextChunk.getAndIncrement()) < chunks) {
                try {
                    if (failure.get() == null) {
                        body.run(rowOf(c), rowOf(c + 1));
                    }
                } catch (Throwable t) {
                    if (!failure.compareAndSet(null, t)) {
                        failure.get().addSuppressed(t);
                    }
                } finally {
                    if (unfinished.decrementAndGet() == 0 && Thread.currentThread() != caller) {
                        LockSupport.unpark(caller);
                    }
                }
            }
        }

        private int rowOf(int chunk) {
            return (int) ((long) rows * chunk / chunks);
        }

        void awaitAndRethrow() {
            // The caller usually finishes its share about when the workers finish theirs: spin briefly before
            // paying for a park/unpark round trip.
            for (int i = 0; unfinished.get() != 0 && i < SPINS_BEFORE_PARK; i++) {
                Thread.onSpinWait();
            }
            while (unfinished.get() != 0) {
                LockSupport.park(this);
            }
            Throwable t = failure.get();
            if (t instanceof RuntimeException e) {
                throw e;
            }
            if (t instanceof Error e) {
                throw e;
            }
            if (t != null) {
                throw new IllegalStateException("row chunk failed", t);
            }
        }
    }

    /**
     * The workers, created on the first split call (holder idiom), so serial-only use starts no thread.
     *
     * <p>Each worker has a one-job mailbox. After a job it spins for {@link #SPIN_NANOS} before parking, because
     * kernels come in bursts (one per layer and op of a forward pass) and a parked thread takes tens of
     * microseconds to wake, as long as a whole small kernel. A caller that finds a worker busy simply does not use
     * it (chunks are claimed, so the caller picks up the slack); nothing ever waits for a worker to become free.
     */
    private static final class Pool {
        private static final Worker[] WORKERS = new Worker[THREADS - 1];

        static {
            for (int i = 0; i < WORKERS.length; i++) {
                WORKERS[i] = new Worker("kernelir-cpu-" + (i + 1));
                WORKERS[i].start();
            }
        }

        static Thread sentinel() {
            return WORKERS[0];
        }

        static void run(Job job) {
            int helpers = Math.min(WORKERS.length, job.chunks - 1);
            for (int i = 0; i < helpers; i++) {
                WORKERS[i].offer(job);
            }
            job.work();
            job.awaitAndRethrow();
        }
    }

    /** How long an idle worker spins for the next job before it parks. */
    private static final long SPIN_NANOS = 100_000;

    private static final class Worker extends Thread {
        private final AtomicReference<Job> mailbox = new AtomicReference<>();
        private volatile boolean parked;

        Worker(String name) {
            super(name);
            setDaemon(true);
        }

        /** Hands the job to this worker if it is idle; a busy worker is skipped. */
        void offer(Job job) {
            if (mailbox.compareAndSet(null, job) && parked) {
                LockSupport.unpark(this);
            }
        }

        @Override
        public void run() {
            while (true) {
                Job job = awaitJob();
                job.work();
                mailbox.set(null);
            }
        }

        private Job awaitJob() {
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            Job job;
            while ((job = mailbox.get()) == null) {
                if (System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                    continue;
                }
                // Announce the park, then look again: a caller either sees the flag and unparks us, or we see
                // its job (both are volatile), so no job is missed.
                parked = true;
                if (mailbox.get() == null) {
                    LockSupport.park(this);
                }
                parked = false;
                spinUntil = System.nanoTime() + SPIN_NANOS;
            }
            return job;
        }
    }

    private static int readPositiveInt(String property, int fallback) {
        return (int) Math.min(Integer.MAX_VALUE, readPositiveLong(property, fallback));
    }

    private static long readPositiveLong(String property, long fallback) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            long v = Long.parseLong(value.strip());
            if (v >= 1) {
                return v;
            }
        } catch (NumberFormatException ignored) {
            // fall through to the error below, which names the property
        }
        throw new IllegalStateException("system property " + property + "=" + value
                + " is not a positive integer; remove it or set it to e.g. " + fallback);
    }
}
