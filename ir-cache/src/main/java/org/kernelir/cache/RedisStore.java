package org.kernelir.cache;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.resps.ScanResult;
import redis.clients.jedis.util.JedisURIHelper;

/**
 * A {@link RemoteStore} on a Redis server through Jedis. Made only by {@link RemoteTier} (by class name), and only
 * when a remote cache is configured.
 *
 * <p>The URI is {@code redis://[[user]:password@]host[:port][/db]}, or {@code rediss://...} for TLS. Connecting and
 * reading both time out after the configured timeout, and a thread waits at most that long for a pooled
 * connection: a slow or absent server costs a lookup that much, no more.
 */
final class RedisStore implements RemoteStore {

    private static final byte[] DELETE_IF_EQUALS = ("if redis.call('get', KEYS[1]) == ARGV[1] then"
            + " return redis.call('del', KEYS[1]) else return 0 end").getBytes(StandardCharsets.US_ASCII);

    private final RedisClient client;

    RedisStore(URI uri, Duration timeout) {
        int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(millis)
                .socketTimeoutMillis(millis)
                .clientName("kernel-ir")
                .ssl(JedisURIHelper.isRedisSSLScheme(uri))
                .database(JedisURIHelper.getDBIndex(uri));
        String password = JedisURIHelper.getPassword(uri);
        if (password != null) {
            config.user(JedisURIHelper.getUser(uri)).password(password);
        }
        GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
        pool.setMaxTotal(16);
        pool.setMaxIdle(16);
        pool.setMaxWait(Duration.ofMillis(millis));
        pool.setJmxEnabled(false);
        this.client = RedisClient.builder().hostAndPort(JedisURIHelper.getHostAndPort(uri))
                .clientConfig(config.build()).poolConfig(pool).build();
    }

    @Override
    public byte[] get(byte[] key) {
        return client.get(key);
    }

    @Override
    public void set(byte[] key, byte[] value, long ttlMillis) {
        client.set(key, value, ttlMillis > 0 ? SetParams.setParams().px(ttlMillis) : SetParams.setParams());
    }

    @Override
    public boolean setIfAbsent(byte[] key, byte[] value, long ttlMillis) {
        return "OK".equals(client.set(key, value, SetParams.setParams().nx().px(ttlMillis)));
    }

    @Override
    public boolean exists(byte[] key) {
        return client.exists(key);
    }

    @Override
    public void deleteIfEquals(byte[] key, byte[] value) {
        client.eval(DELETE_IF_EQUALS, List.of(key), List.of(value));
    }

    @Override
    public List<byte[]> keys(String prefix) {
        List<byte[]> out = new ArrayList<>();
        ScanParams params = new ScanParams().match(glob(prefix) + "*").count(1000);
        byte[] cursor = ScanParams.SCAN_POINTER_START_BINARY;
        do {
            ScanResult<byte[]> page = client.scan(cursor, params);
            out.addAll(page.getResult());
            cursor = page.getCursorAsBytes();
        } while (!new String(cursor, StandardCharsets.US_ASCII).equals("0"));
        return out;
    }

    /** {@code prefix} with the glob characters of SCAN MATCH escaped. */
    private static String glob(String prefix) {
        StringBuilder sb = new StringBuilder(prefix.length());
        for (char c : prefix.toCharArray()) {
            if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
                sb.append('\\');
            }
            sb.append(c);
        }
        return sb.toString();
    }

    @Override
    public long delete(List<byte[]> keys) {
        long n = 0;
        for (int i = 0; i < keys.size(); i += 500) {
            n += client.del(keys.subList(i, Math.min(keys.size(), i + 500)).toArray(byte[][]::new));
        }
        return n;
    }

    @Override
    public void addCounters(byte[] key, Map<String, Long> deltas) {
        for (Map.Entry<String, Long> e : deltas.entrySet()) {
            if (e.getValue() != 0) {
                client.hincrBy(key, e.getKey().getBytes(StandardCharsets.UTF_8), e.getValue());
            }
        }
    }

    @Override
    public Map<String, String> counters(byte[] key) {
        Map<String, String> out = new TreeMap<>();
        client.hgetAll(key).forEach((k, v) -> out.put(new String(k, StandardCharsets.UTF_8),
                new String(v, StandardCharsets.UTF_8)));
        return out;
    }

    @Override
    public void ping() {
        client.ping();
    }

    @Override
    public void close() {
        try {
            client.close();
        } catch (RuntimeException e) {
            // closing a pool whose server is gone: nothing to do
        }
    }
}
