package org.kernelir.core.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.kernelir.core.dtype.DType;

class TensorPoolTest {

    @Test
    void sizeClassesAreAlignedAndWasteAtMostAQuarter() {
        assertEquals(64, TensorPool.sizeClass(0));
        assertEquals(64, TensorPool.sizeClass(1));
        assertEquals(128, TensorPool.sizeClass(65));
        assertEquals(256, TensorPool.sizeClass(256));
        assertEquals(1L << 27, TensorPool.sizeClass(1L << 27), "a power of two is its own class");
        for (long b = 1; b < 1L << 34; b = b * 3 + 7) {
            long c = TensorPool.sizeClass(b);
            assertTrue(c >= b && c % 64 == 0, b + " -> " + c);
            assertTrue(c <= Math.max(256, b + b / 4 + 64), b + " -> " + c);
        }
    }

    @Test
    void aReleasedBlockServesTheNextRequestOfItsClass() {
        try (TensorPool pool = new TensorPool()) {
            MemorySegment a = pool.acquire(1000);
            assertEquals(1000, a.byteSize());
            assertEquals(0, a.address() % 64, "64-byte aligned");
            assertTrue(pool.release(a));
            MemorySegment b = pool.acquire(1010); // same class (1024)
            assertEquals(a.address(), b.address());
            TensorPool.Stats s = pool.stats();
            assertEquals(1, s.hits());
            assertEquals(1, s.misses());
            assertEquals(1, s.lentBlocks());
            assertEquals(1024, s.lentBytes());
            assertFalse(pool.release(MemorySegment.ofArray(new byte[8])), "foreign memory is left alone");
            assertTrue(pool.release(b));
            assertFalse(pool.release(b), "a second release does nothing");
        }
    }

    @Test
    void theBoundFreesWhatDoesNotFitAndTrimFreesTheRest() {
        try (TensorPool pool = new TensorPool(3000)) {
            MemorySegment a = pool.acquire(2048);
            MemorySegment b = pool.acquire(2048);
            pool.release(a);
            pool.release(b); // 4096 retained would exceed 3000
            TensorPool.Stats s = pool.stats();
            assertEquals(1, s.retainedBlocks());
            assertEquals(2048, s.retainedBytes());
            assertEquals(1, s.freed());
            assertThrows(IllegalStateException.class, () -> b.get(ValueLayout.JAVA_BYTE, 0),
                    "a freed block cannot be read");
            pool.trim();
            assertEquals(0, pool.stats().retainedBytes());
            assertThrows(IllegalStateException.class, () -> a.get(ValueLayout.JAVA_BYTE, 0));
        }
    }

    @Test
    void closeFreesLaterReleasesAndRefusesRequests() {
        TensorPool pool = new TensorPool();
        MemorySegment a = pool.acquire(100);
        pool.close();
        pool.close();
        a.set(ValueLayout.JAVA_BYTE, 0, (byte) 1); // lent memory stays valid
        assertTrue(pool.release(a));
        assertEquals(0, pool.stats().retainedBlocks());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.acquire(8));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    @Test
    void manyThreadsShareOnePool() throws Exception {
        try (TensorPool pool = new TensorPool(); ExecutorService ex = Executors.newFixedThreadPool(4)) {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                fs.add(ex.submit(() -> {
                    for (int i = 0; i < 2000; i++) {
                        MemorySegment s = pool.acquire(64L << (i % 5));
                        s.set(ValueLayout.JAVA_LONG, 0, i);
                        assertEquals(i, s.get(ValueLayout.JAVA_LONG, 0));
                        assertTrue(pool.release(s));
                    }
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
            TensorPool.Stats s = pool.stats();
            assertEquals(0, s.lentBlocks());
            assertEquals(8000, s.hits() + s.misses());
            assertTrue(s.misses() <= 20, "at most 4 threads x 5 classes new blocks: " + s);
        }
    }

    @Test
    void zerosInAScopeAreZeroEvenOnReusedMemoryAndEmptyIsPooled() {
        try (TensorPool pool = new TensorPool()) {
            MemorySegment dirty = pool.acquire(64);
            dirty.fill((byte) 0x7f);
            pool.release(dirty);
            AllocationScope scope = new AllocationScope(pool);
            CpuTensor z = scope.call(() -> CpuTensor.zeros(DType.F64, 2, 4));
            assertEquals(dirty.address(), z.segment().address(), "the dirty block was reused");
            assertArrayEquals(new double[8], z.toDoubleArray());
            CpuTensor e = scope.call(() -> CpuTensor.empty(DType.I64, 3));
            assertTrue(e.segment().isNative());
            assertSame(scope.leaseOf(e), scope.unreleased().stream()
                    .filter(l -> l.segment().address() == e.segment().address()).findFirst().orElseThrow());
            assertEquals(2, scope.unreleased().size());
            scope.unreleased().forEach(scope::release);
            assertEquals(0, pool.stats().lentBlocks());
        }
    }

    @Test
    void outsideAScopeAllocationIsUnpooled() {
        assertNull(AllocationScope.current());
        assertFalse(CpuTensor.zeros(DType.F32, 4).segment().isNative(), "heap, as before");
        assertFalse(CpuTensor.empty(DType.F32, 4).segment().isNative());
        try (TensorPool pool = new TensorPool()) {
            AllocationScope scope = new AllocationScope(pool);
            CpuTensor t = scope.call(() -> AllocationScope.unpooled(() -> CpuTensor.zeros(DType.F32, 4)));
            assertFalse(t.segment().isNative());
            assertEquals(0, pool.stats().misses());
            assertSame(scope, scope.call(AllocationScope::current));
        }
    }
}
