package org.kernelir.providers.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.kernelir.providers.cuda.runtime.CachingAllocator;
import org.kernelir.providers.cuda.runtime.DeviceBuffer;

/** The caching allocator's policy, over a raw allocator that records what it is asked (no GPU needed). */
class CachingAllocatorTest {

    /** Hands out increasing addresses; runs out of memory above a limit, like cuMemAlloc. */
    static final class Recording implements CachingAllocator.Raw {
        final long limit;
        long next = 1 << 20;
        long live;
        final List<Long> allocations = new ArrayList<>();
        final Set<Long> freed = new HashSet<>();
        final java.util.Map<Long, Long> sizes = new java.util.HashMap<>();

        Recording(long limit) {
            this.limit = limit;
        }

        @Override
        public long allocate(long bytes) {
            if (live + bytes > limit) {
                throw new CachingAllocator.OutOfMemory("out of memory", null);
            }
            live += bytes;
            allocations.add(bytes);
            long p = next;
            next += bytes;
            sizes.put(p, bytes);
            return p;
        }

        @Override
        public void free(long pointer) {
            freed.add(pointer);
            live -= sizes.remove(pointer);
        }
    }

    @Test
    void sizeClasses() {
        assertEquals(512, CachingAllocator.sizeClass(1));
        assertEquals(512, CachingAllocator.sizeClass(512));
        assertEquals(1024, CachingAllocator.sizeClass(513));
        assertEquals(1 << 20, CachingAllocator.sizeClass(1 << 20));
        assertEquals(2 << 20, CachingAllocator.sizeClass((1 << 20) + 1));
        assertEquals(64L << 20, CachingAllocator.sizeClass((63L << 20) + 5));
    }

    @Test
    void aFreedBlockIsReusedOnItsStreamOnly() {
        Recording raw = new Recording(1L << 30);
        CachingAllocator a = new CachingAllocator(raw);
        DeviceBuffer b = a.allocate(1000, 7);
        a.free(b);
        // Same stream, same size class: the block comes back without a driver call.
        DeviceBuffer again = a.allocate(900, 7);
        assertEquals(b.pointer(), again.pointer());
        assertEquals(1, raw.allocations.size());
        a.free(again);
        // Another stream does not get it: its work is not ordered after the first stream's.
        DeviceBuffer other = a.allocate(900, 8);
        assertNotEquals(b.pointer(), other.pointer());
        assertEquals(2, raw.allocations.size());
        assertEquals(2048, a.reservedBytes());
        assertEquals(1024, a.inUseBytes());
        assertEquals(1024, a.cachedBytes());
    }

    @Test
    void memoryGoesBackOnDemandOrWhenTheDriverRunsOut() {
        Recording raw = new Recording(4L << 20);
        CachingAllocator a = new CachingAllocator(raw);
        DeviceBuffer big = a.allocate(3L << 20, 1);
        a.free(big);
        // 3 MiB cached + 2 MiB asked > 4 MiB: the cached block is freed and the request retried.
        DeviceBuffer next = a.allocate(2L << 20, 1);
        assertEquals(Set.of(big.pointer()), raw.freed);
        assertEquals(2L << 20, a.reservedBytes());
        a.free(next);
        a.releaseCached();
        assertEquals(0, a.reservedBytes());
        assertEquals(2, raw.freed.size());
    }
}
