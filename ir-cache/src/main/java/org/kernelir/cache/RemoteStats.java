package org.kernelir.cache;

/**
 * Counters of the remote tier since its cache was made.
 *
 * @param hits       lookups answered by the server with a valid entry for the key
 * @param misses     lookups the server had no entry for (or one stored for another key)
 * @param errors     faults: timeouts, an absent server, garbage answers or entries, failed writes
 * @param writes     entries written to the server
 * @param waits      times this process waited for another process that held a key's lock
 * @param skipped    calls not made because the tier was turned off after repeated faults, or an entry was too large
 * @param reads      lookups sent to the server (hits, misses and failed lookups)
 * @param readNanos  time spent in those lookups
 */
public record RemoteStats(long hits, long misses, long errors, long writes, long waits, long skipped, long reads,
        long readNanos) {

    /** All zero: no remote tier. */
    public static final RemoteStats EMPTY = new RemoteStats(0, 0, 0, 0, 0, 0, 0, 0);

    /** The mean time of one lookup, in microseconds; {@code 0} when none was made. */
    public double meanReadMicros() {
        return reads == 0 ? 0 : readNanos / 1e3 / reads;
    }
}
