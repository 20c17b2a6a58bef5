package org.kernelir.cache;

import java.util.List;

/**
 * The few operations the remote tier needs from a key-value server. {@link RedisStore} is the implementation; it is
 * loaded by name only when a remote cache is configured, so that a process without one never loads a Redis client.
 * Every method may throw a {@link RuntimeException} for a fault (server absent, timeout, garbage); the caller,
 * {@link RemoteTier}, turns faults into misses.
 */
interface RemoteStore extends AutoCloseable {

    /** The value under {@code key}, or {@code null}. */
    byte[] get(byte[] key);

    /** Stores {@code value} under {@code key}, expiring after {@code ttlMillis} ({@code 0}: never). */
    void set(byte[] key, byte[] value, long ttlMillis);

    /** Stores {@code value} under {@code key} unless it exists (SET NX PX); whether it stored it. */
    boolean setIfAbsent(byte[] key, byte[] value, long ttlMillis);

    /** Whether {@code key} exists. */
    boolean exists(byte[] key);

    /** Deletes {@code key} if it holds {@code value} (atomically on the server). */
    void deleteIfEquals(byte[] key, byte[] value);

    /** The keys starting with {@code prefix} (SCAN, not KEYS: the server keeps serving others meanwhile). */
    List<byte[]> keys(String prefix);

    /** Deletes {@code keys}; how many existed. */
    long delete(List<byte[]> keys);

    /** Adds {@code deltas} to the fields of the hash {@code key} (HINCRBY each). */
    void addCounters(byte[] key, java.util.Map<String, Long> deltas);

    /** The fields of the hash {@code key} (HGETALL); empty when there is none. */
    java.util.Map<String, String> counters(byte[] key);

    /** Answers PING; throws when the server does not. */
    void ping();

    /** Closes the connections; never throws. */
    @Override
    void close();
}
