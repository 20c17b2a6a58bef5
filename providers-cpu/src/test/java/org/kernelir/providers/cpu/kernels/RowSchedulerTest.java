package org.kernelir.providers.cpu.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

import org.junit.jupiter.api.Test;

class RowSchedulerTest {

    private static final long BIG_ROW = 1L << 20;

    @Test
    void smallWorkRunsOnTheCallerAsOneRange() {
        Thread caller = Thread.currentThread();
        AtomicInteger calls = new AtomicInteger();
        RowScheduler.forRows(10, 16, (from, to) -> {
            assertSame(caller, Thread.currentThread());
            assertEquals(0, from);
            assertEquals(10, to);
            calls.incrementAndGet();
        });
        assertEquals(1, calls.get());
    }

    @Test
    void everyRowRunsExactlyOnceInContiguousRanges() {
        for (int rows : new int[] {1, 2, 3, 7, 64, 1000, 100_003}) {
            AtomicIntegerArray seen = new AtomicIntegerArray(rows);
            RowScheduler.forRows(rows, BIG_ROW, (from, to) -> {
                assertTrue(0 <= from && from < to && to <= rows, from + ".." + to);
                for (int r = from; r < to; r++) {
                    seen.incrementAndGet(r);
                }
            });
            for (int r = 0; r < rows; r++) {
                assertEquals(1, seen.get(r), "row " + r + " of " + rows);
            }
        }
        RowScheduler.forRows(0, BIG_ROW, (from, to) -> {
            throw new AssertionError("no rows, no call");
        });
    }

    @Test
    void largeWorkUsesThePoolAndCreatesNoThreadPerCall() {
        assumeTrue(RowScheduler.threads() > 1, "single-threaded configuration");
        Set<Thread> workers = ConcurrentHashMap.newKeySet();
        for (int i = 0; i < 200; i++) {
            RowScheduler.forRows(64, BIG_ROW, (from, to) -> {
                workers.add(Thread.currentThread());
                // Long enough that the workers are woken before the caller has claimed every chunk.
                long end = System.nanoTime() + 20_000;
                while (System.nanoTime() < end) {
                    Thread.onSpinWait();
                }
            });
        }
        workers.remove(Thread.currentThread());
        assertTrue(workers.size() >= 1 && workers.size() <= RowScheduler.threads() - 1,
                "pool threads seen: " + workers);
        for (Thread t : workers) {
            assertTrue(t.isDaemon() && t.getName().startsWith("kernelir-cpu-"), t.toString());
        }
    }

    @Test
    void exceptionInAChunkReachesTheCaller() {
        IllegalStateException boom = new IllegalStateException("boom");
        IllegalStateException thrown = assertThrows(IllegalStateException.class,
                () -> RowScheduler.forRows(64, BIG_ROW, (from, to) -> {
                    if (from <= 40 && 40 < to) {
                        throw boom;
                    }
                }));
        assertSame(boom, thrown);
        // The pool is still healthy afterwards.
        everyRowRunsExactlyOnceInContiguousRanges();
    }

    @Test
    void errorsPropagateToo() {
        assertThrows(StackOverflowError.class, () -> RowScheduler.forRows(64, BIG_ROW, (from, to) -> {
            throw new StackOverflowError();
        }));
    }

    @Test
    void confinedSegmentsKeepTheWorkOnTheCaller() {
        Thread caller = Thread.currentThread();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(64);
            RowScheduler.forRows(64, BIG_ROW, (from, to) -> assertSame(caller, Thread.currentThread()), s, null);
        }
    }

    /** Kernel calls from inside a chunk (or from several threads at once) must not deadlock on the pool. */
    @Test
    void nestedAndConcurrentCallsComplete() throws InterruptedException {
        AtomicInteger inner = new AtomicInteger();
        Runnable outer = () -> RowScheduler.forRows(16, BIG_ROW, (from, to) -> {
            for (int r = from; r < to; r++) {
                RowScheduler.forRows(8, BIG_ROW, (a, b) -> inner.addAndGet(b - a));
            }
        });
        Thread[] threads = new Thread[4];
        for (int i = 0; i < threads.length; i++) {
            threads[i] = new Thread(outer);
            threads[i].start();
        }
        for (Thread t : threads) {
            t.join(60_000);
        }
        assertEquals(threads.length * 16 * 8, inner.get());
    }

    @Test
    void negativeRowsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> RowScheduler.forRows(-1, 1, (a, b) -> { }));
    }
}
