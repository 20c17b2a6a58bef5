package org.kernelir.cache;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.function.Function;
import redis.clients.jedis.ClientSetInfoConfig;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.util.JedisURIHelper;

/**
 * A {@link RemoteStore} on a Redis server through Jedis's {@link Connection}. Made only by {@link RemoteTier} (by
 * class name), and only when a remote cache is configured.
 *
 * <p>The URI is {@code redis://[[user]:password@]host[:port][/db]}, or {@code rediss://...} for TLS; Jedis
 * authenticates and selects the database when it connects. Connecting and reading both time out after the
 * configured timeout, so a slow or absent server costs a call that much, no more.
 *
 * <p>Jedis's pooled clients ({@code RedisClient}) load about twice as many classes and start Apache Commons Pool,
 * which costs a process that has just started more than every lookup it then makes (measured in a fresh JVM); so
 * this store keeps its own few connections: a thread takes an idle one or opens one, and puts it back unless it
 * broke.
 */
final class RedisStore implements RemoteStore {

    private static final byte[] DELETE_IF_EQUALS = ("if redis.call('get', KEYS[1]) == ARGV[1] then"
            + " return redis.call('del', KEYS[1]) else return 0 end").getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_IDLE = 8;

    private final HostAndPort address;
    private final JedisClientConfig config;
    private final ConcurrentLinkedDeque<Connection> idle = new ConcurrentLinkedDeque<>();
    private volatile boolean closed;

    RedisStore(URI uri, Duration timeout) {
        int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        DefaultJedisClientConfig.Builder b = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(millis)
                .socketTimeoutMillis(millis)
                .clientSetInfoConfig(ClientSetInfoConfig.DISABLED) // no extra round trips per connection
                .resp2() // plain replies (RESP3 would answer HGETALL with a map), and no HELLO on connecting
                .ssl(JedisURIHelper.isRedisSSLScheme(uri))
                .database(JedisURIHelper.getDBIndex(uri));
        String password = JedisURIHelper.getPassword(uri);
        if (password != null) {
            b.user(JedisURIHelper.getUser(uri)).password(password);
        }
        this.config = b.build();
        this.address = JedisURIHelper.getHostAndPort(uri);
    }

    /** Runs {@code call} on an idle connection or a new one; a connection that failed is closed, not reused. */
    private <T> T call(Function<Connection, T> call) {
        if (closed) {
            throw new IllegalStateException("the remote cache's connections are closed");
        }
        Connection c = idle.pollFirst();
        if (c == null) {
            c = new Connection(address, config);
        }
        boolean ok = false;
        try {
            T result = call.apply(c);
            ok = true;
            return result;
        } finally {
            if (ok && !c.isBroken() && !closed && idle.size() < MAX_IDLE) {
                idle.offerFirst(c);
            } else {
                c.close();
            }
        }
    }

    @Override
    public byte[] get(byte[] key) {
        return call(c -> {
            c.sendCommand(Protocol.Command.GET, key);
            return c.getBinaryBulkReply();
        });
    }

    @Override
    public void set(byte[] key, byte[] value, long ttlMillis) {
        call(c -> {
            if (ttlMillis > 0) {
                c.sendCommand(Protocol.Command.SET, key, value, Protocol.Keyword.PX.getRaw(), number(ttlMillis));
            } else {
                c.sendCommand(Protocol.Command.SET, key, value);
            }
            return c.getStatusCodeReply();
        });
    }

    @Override
    public boolean setIfAbsent(byte[] key, byte[] value, long ttlMillis) {
        return call(c -> {
            c.sendCommand(Protocol.Command.SET, key, value, Protocol.Keyword.NX.getRaw(),
                    Protocol.Keyword.PX.getRaw(), number(ttlMillis));
            return c.getOne() != null; // +OK, or a nil reply when the key exists
        });
    }

    @Override
    public boolean exists(byte[] key) {
        return call(c -> {
            c.sendCommand(Protocol.Command.EXISTS, key);
            return c.getIntegerReply() > 0;
        });
    }

    @Override
    public void deleteIfEquals(byte[] key, byte[] value) {
        call(c -> {
            c.sendCommand(Protocol.Command.EVAL, DELETE_IF_EQUALS, number(1), key, value);
            return c.getOne();
        });
    }

    @Override
    public List<byte[]> keys(String prefix) {
        byte[] pattern = (glob(prefix) + "*").getBytes(StandardCharsets.UTF_8);
        List<byte[]> out = new ArrayList<>();
        call(c -> {
            byte[] cursor = number(0);
            do {
                c.sendCommand(Protocol.Command.SCAN, cursor, Protocol.Keyword.MATCH.getRaw(), pattern,
                        Protocol.Keyword.COUNT.getRaw(), number(1000));
                List<Object> page = c.getObjectMultiBulkReply();
                cursor = (byte[]) page.get(0);
                for (Object k : (List<?>) page.get(1)) {
                    out.add((byte[]) k);
                }
            } while (!new String(cursor, StandardCharsets.US_ASCII).equals("0"));
            return null;
        });
        return out;
    }

    /** {@code prefix} with the glob characters of SCAN MATCH escaped. */
    private static String glob(String prefix) {
        StringBuilder sb = new StringBuilder(prefix.length());
        for (char ch : prefix.toCharArray()) {
            if (ch == '*' || ch == '?' || ch == '[' || ch == ']' || ch == '\\') {
                sb.append('\\');
            }
            sb.append(ch);
        }
        return sb.toString();
    }

    @Override
    public long delete(List<byte[]> keys) {
        return call(c -> {
            long n = 0;
            for (int i = 0; i < keys.size(); i += 500) {
                c.sendCommand(Protocol.Command.DEL, keys.subList(i, Math.min(keys.size(), i + 500))
                        .toArray(byte[][]::new));
                n += c.getIntegerReply();
            }
            return n;
        });
    }

    @Override
    public void addCounters(byte[] key, Map<String, Long> deltas) {
        call(c -> {
            for (Map.Entry<String, Long> e : deltas.entrySet()) {
                if (e.getValue() != 0) {
                    c.sendCommand(Protocol.Command.HINCRBY, key, e.getKey().getBytes(StandardCharsets.UTF_8),
                            number(e.getValue()));
                    c.getIntegerReply();
                }
            }
            return null;
        });
    }

    @Override
    public Map<String, String> counters(byte[] key) {
        return call(c -> {
            c.sendCommand(Protocol.Command.HGETALL, key);
            List<byte[]> flat = c.getBinaryMultiBulkReply();
            Map<String, String> out = new TreeMap<>();
            for (int i = 0; flat != null && i + 1 < flat.size(); i += 2) {
                out.put(new String(flat.get(i), StandardCharsets.UTF_8),
                        new String(flat.get(i + 1), StandardCharsets.UTF_8));
            }
            return out;
        });
    }

    @Override
    public void ping() {
        call(c -> {
            c.sendCommand(Protocol.Command.PING);
            return c.getStatusCodeReply();
        });
    }

    private static byte[] number(long n) {
        return Long.toString(n).getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() {
        closed = true;
        for (Connection c; (c = idle.pollFirst()) != null; ) {
            try {
                c.close();
            } catch (RuntimeException e) {
                // its server is gone: nothing to do
            }
        }
    }
}
