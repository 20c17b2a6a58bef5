package org.kernelir.cache.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * A real {@code redis-server} for tests: started on a free loopback port with its own temporary folder, no
 * persistence, and stopped (with its folder left to JUnit's {@code @TempDir}) by {@link #close()}.
 *
 * <p>Tests call {@link #requireInstalled()} first: without a {@code redis-server} on the PATH they are skipped with
 * the reason, unless the environment variable {@code KIR_REQUIRE_REDIS} is set (as {@code .ci/run} sets it, after
 * installing the server), where they fail.
 */
public final class RedisServer implements AutoCloseable {

    private final Path executable;
    private final Path dir;
    private final int port;
    private final List<String> extraArgs;
    private Process process;

    private RedisServer(Path executable, Path dir, int port, List<String> extraArgs) {
        this.executable = executable;
        this.dir = dir;
        this.port = port;
        this.extraArgs = extraArgs;
    }

    /** The {@code redis-server} on the PATH, or {@code null}. */
    public static Path executable() {
        String path = System.getenv("PATH");
        for (String d : (path == null ? "/usr/bin:/usr/local/bin" : path).split(java.io.File.pathSeparator)) {
            Path p = Path.of(d, "redis-server");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /** Skips the calling test (or fails it under {@code KIR_REQUIRE_REDIS}) when no redis-server is installed. */
    public static void requireInstalled() {
        if (executable() == null) {
            String why = "redis-server is not installed (apt-get install redis-server), so the remote cache tier's"
                    + " tests against a real server cannot run";
            if (System.getenv("KIR_REQUIRE_REDIS") != null) {
                Assertions.fail(why + "; KIR_REQUIRE_REDIS is set, as in CI");
            }
            Assumptions.abort(why + "; skipped");
        }
    }

    /** Starts a server on a free loopback port, keeping its files in {@code dir}. */
    public static RedisServer start(Path dir) throws IOException {
        return start(dir, List.of());
    }

    /** Starts a server with more configuration, such as {@code --requirepass secret}. */
    public static RedisServer start(Path dir, List<String> extraArgs) throws IOException {
        requireInstalled();
        RedisServer s = new RedisServer(executable(), dir, freePort(), List.copyOf(extraArgs));
        s.launch();
        return s;
    }

    /** A loopback port that nothing listens on (at the moment of the call). */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private void launch() throws IOException {
        List<String> cmd = new java.util.ArrayList<>(List.of(executable.toString(), "--port", String.valueOf(port),
                "--bind", "127.0.0.1", "--dir", dir.toString(), "--save", "", "--appendonly", "no", "--daemonize",
                "no", "--loglevel", "warning", "--logfile", dir.resolve("redis.log").toString()));
        cmd.addAll(extraArgs);
        process = new ProcessBuilder(cmd)
                .redirectErrorStream(true).redirectOutput(dir.resolve("redis.out").toFile()).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("redis-server exited with " + process.exitValue() + "; see " + dir);
            }
            try {
                String pong = command("PING");
                if (pong.equals("+PONG") || pong.startsWith("-NOAUTH")) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            sleep(20);
        }
        throw new IOException("redis-server did not answer PING on port " + port + " within 10 s; see " + dir);
    }

    /** {@code redis://127.0.0.1:<port>}. */
    public URI uri() {
        return URI.create("redis://127.0.0.1:" + port);
    }

    public int port() {
        return port;
    }

    /** The process id, for signals. */
    public long pid() {
        return process.pid();
    }

    /**
     * Sends one command as an inline command and returns the first line of the answer (for example
     * {@code +OK}, {@code :3}, {@code $-1}).
     */
    public String command(String inline) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
            socket.setSoTimeout(2000);
            OutputStream out = socket.getOutputStream();
            out.write((inline + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = socket.getInputStream();
            StringBuilder sb = new StringBuilder();
            int c;
            while ((c = in.read()) >= 0 && c != '\r') {
                sb.append((char) c);
            }
            return sb.toString();
        }
    }

    /** Kills the server at once (SIGKILL), as a crash would. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** Starts the server again on the same port, empty. */
    public void restart() throws IOException {
        launch();
    }

    /** Freezes the server (SIGSTOP): it accepts connections but answers nothing, like an overloaded one. */
    public void pause() throws IOException, InterruptedException {
        signal("-STOP");
    }

    /** Thaws a paused server (SIGCONT). */
    public void resume() throws IOException, InterruptedException {
        signal("-CONT");
    }

    private void signal(String sig) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", sig, String.valueOf(process.pid())).start();
        if (kill.waitFor() != 0) {
            throw new IOException("kill " + sig + " " + process.pid() + " failed");
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops the server (resuming it first if paused) and waits for it to exit. */
    @Override
    public void close() {
        if (process == null || !process.isAlive()) {
            return;
        }
        try {
            resume();
        } catch (IOException | InterruptedException e) {
            // it is killed below anyway
        }
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
