package org.kernelir.core.cpu;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Where {@link CpuTensor#zeros} and {@link CpuTensor#empty} take memory from while code runs inside
 * {@link #call}: blocks of a {@link TensorPool}, each recorded here as a {@link Lease} until it is released.
 *
 * <p>A runner (the {@link org.kernelir.core.interp.Interpreter}'s pooled mode) opens one scope per run, binds
 * it around the kernels, gives intermediates back with {@link #release} once nothing uses them, and hands the
 * leases of its outputs to whoever owns the outputs. Outside any scope, and on threads the scope is not bound
 * on, allocation is unpooled, as it always was.
 *
 * <p>The scope is bound through a {@link ScopedValue}, so it is seen by the binding thread only. A scope is
 * meant for one run on one thread and is not thread-safe; the pool behind it is.
 *
 * <p>Code called inside a scope must not keep a tensor it allocated beyond its call (in a cache, say): the
 * runner releases memory it cannot see in use. Such code allocates with {@link #unpooled}.
 */
public final class AllocationScope {

    private static final ScopedValue<AllocationScope> CURRENT = ScopedValue.newInstance();

    /** One block lent to this scope. */
    public static final class Lease {
        private final MemorySegment segment;
        private boolean released;

        private Lease(MemorySegment segment) {
            this.segment = segment;
        }

        /** The memory, exactly as large as was asked for. */
        public MemorySegment segment() {
            return segment;
        }

        /** Whether it went back to the pool. */
        public boolean released() {
            return released;
        }

        @Override
        public String toString() {
            return "Lease[" + segment.byteSize() + " bytes at 0x" + Long.toHexString(segment.address())
                    + (released ? ", released]" : "]");
        }
    }

    private final TensorPool pool;
    /** Unreleased leases by start address. */
    private final TreeMap<Long, Lease> leases = new TreeMap<>();
    /** Every lease made, in order; {@link #leasesSince} reads its tail. */
    private final List<Lease> made = new ArrayList<>();

    /** A scope lending blocks of {@code pool}. */
    public AllocationScope(TensorPool pool) {
        this.pool = Objects.requireNonNull(pool, "pool");
    }

    /** The scope bound on this thread, or {@code null}. */
    public static AllocationScope current() {
        return CURRENT.isBound() ? CURRENT.get() : null;
    }

    /** Runs {@code body} with this scope bound: tensors it allocates on this thread take pooled memory. */
    public <T> T call(Supplier<T> body) {
        return ScopedValue.where(CURRENT, this).call(body::get);
    }

    /** Runs {@code body} with no scope bound: what it allocates is ordinary, garbage-collected memory. */
    public static <T> T unpooled(Supplier<T> body) {
        if (!CURRENT.isBound()) {
            return body.get();
        }
        // A scope never holds null, so binding null means "no scope" to current().
        return ScopedValue.where(CURRENT, null).call(body::get);
    }

    /** The pool it lends from. */
    public TensorPool pool() {
        return pool;
    }

    /** A block of {@code bytes} (unspecified contents), recorded as a lease. */
    MemorySegment allocate(long bytes) {
        MemorySegment seg = pool.acquire(bytes);
        Lease l = new Lease(seg);
        leases.put(seg.address(), l);
        made.add(l);
        return seg;
    }

    /** The unreleased lease whose memory holds {@code t}'s first byte, or {@code null} if none does. */
    public Lease leaseOf(CpuTensor t) {
        MemorySegment s = t.segment();
        if (!s.isNative()) {
            return null;
        }
        Map.Entry<Long, Lease> e = leases.floorEntry(s.address());
        if (e == null) {
            return null;
        }
        Lease l = e.getValue();
        return s.address() < l.segment.address() + l.segment.byteSize() ? l : null;
    }

    /** How many leases were made so far: a mark for {@link #leasesSince}. */
    public int mark() {
        return made.size();
    }

    /** The leases made since {@code mark}, released ones included. */
    public List<Lease> leasesSince(int mark) {
        return made.subList(mark, made.size());
    }

    /** The leases not released yet. */
    public List<Lease> unreleased() {
        return List.copyOf(leases.values());
    }

    /** Gives a lease's block back to the pool; releasing twice is harmless. */
    public void release(Lease l) {
        if (l.released) {
            return;
        }
        l.released = true;
        leases.remove(l.segment.address());
        pool.release(l.segment);
    }

    /**
     * Stops tracking {@code l} without releasing it: its block now belongs to the caller, who gives it back
     * with {@link TensorPool#release}.
     */
    public void detach(Lease l) {
        leases.remove(l.segment.address());
    }
}
