package org.kernelir.cache;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.kernelir.core.graph.Graph;
import org.kernelir.format.GraphBinary;

/**
 * The stored form of a {@link LoweredGraph} (the payload of a disk or remote entry): {@code items <n> input <m>}, a
 * newline, {@code n} bytes of the run's items, {@code m} bytes of the input graph's {@link GraphBinary} form, then the
 * lowered graph's binary form relative to the input graph (its inputs and most of its metadata are references to the
 * input graph's, which a process that has just started reads quickly).
 *
 * <p>The items are a count and the records of each kind in turn (selections, failures, donated values), every string
 * a 4-byte length and UTF-8 bytes ({@link DataOutputStream#writeUTF} would cap a failure reason at 64 KiB).
 */
final class LoweredGraphs {

    private LoweredGraphs() {
    }

    static byte[] encode(LoweredGraphKey key, LoweredGraph lowered) {
        byte[] items = items(lowered);
        byte[] input = key.inputBytes();
        byte[] head = ("items " + items.length + " input " + input.length + "\n").getBytes(StandardCharsets.US_ASCII);
        byte[] graph = GraphBinary.write(lowered.graph(), key.graph());
        byte[] out = new byte[head.length + items.length + input.length + graph.length];
        int at = 0;
        for (byte[] part : new byte[][] {head, items, input, graph}) {
            System.arraycopy(part, 0, out, at, part.length);
            at += part.length;
        }
        return out;
    }

    private static byte[] items(LoweredGraph lowered) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 * (lowered.selections().size() + 1));
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(lowered.selections().size());
            for (LoweredGraph.Selection s : lowered.selections()) {
                string(out, s.node());
                string(out, s.op());
                string(out, s.provider());
            }
            out.writeInt(lowered.failures().size());
            for (LoweredGraph.Failure f : lowered.failures()) {
                string(out, f.node());
                string(out, f.reason());
            }
            out.writeInt(lowered.donated().size());
            for (String d : lowered.donated()) {
                string(out, d);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return bytes.toByteArray();
    }

    private static void string(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    /**
     * The entry of {@code payload} when it was stored for {@code key}'s input graph.
     *
     * @throws IllegalArgumentException saying what is wrong: a malformed payload, or another input graph (whose
     *                                  binary form has the same checksum and length)
     */
    static LoweredGraph decode(LoweredGraphKey key, byte[] payload) {
        int eol = 0;
        while (eol < payload.length && payload[eol] != '\n') {
            eol++;
        }
        String[] head = new String(payload, 0, eol, StandardCharsets.US_ASCII).split(" ");
        if (eol == payload.length || head.length != 4 || !head[0].equals("items") || !head[2].equals("input")) {
            throw new IllegalArgumentException("no items and input line");
        }
        int itemsLength;
        int inputLength;
        try {
            itemsLength = Integer.parseInt(head[1]);
            inputLength = Integer.parseInt(head[3]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad length: " + e.getMessage());
        }
        int itemsStart = eol + 1;
        int inputStart = itemsStart + itemsLength;
        int graphStart = inputStart + inputLength;
        if (itemsLength < 0 || inputLength < 0 || inputStart < 0 || graphStart < 0 || graphStart > payload.length) {
            throw new IllegalArgumentException("lengths " + itemsLength + " and " + inputLength
                    + " do not fit the entry");
        }
        byte[] input = key.inputBytes();
        if (!Arrays.equals(payload, inputStart, graphStart, input, 0, input.length)) {
            throw new IllegalArgumentException("it was stored for another input graph of the same name and size");
        }
        // Proved equal to the graph the entry was written against, so the lowered graph may refer to its nodes.
        Graph graph = GraphBinary.read(Arrays.copyOfRange(payload, graphStart, payload.length), key.graph());
        ByteBuffer in = ByteBuffer.wrap(payload, itemsStart, itemsLength);
        try {
            List<LoweredGraph.Selection> selections = new ArrayList<>();
            for (int i = count(in); i > 0; i--) {
                selections.add(new LoweredGraph.Selection(string(in), string(in), string(in)));
            }
            List<LoweredGraph.Failure> failures = new ArrayList<>();
            for (int i = count(in); i > 0; i--) {
                failures.add(new LoweredGraph.Failure(string(in), string(in)));
            }
            List<String> donated = new ArrayList<>();
            for (int i = count(in); i > 0; i--) {
                donated.add(string(in));
            }
            if (in.hasRemaining()) {
                throw new IllegalArgumentException(in.remaining() + " bytes after the items");
            }
            return new LoweredGraph(graph, selections, failures, donated);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("the items end early");
        }
    }

    private static int count(ByteBuffer in) {
        int n = in.getInt();
        // Every item takes at least 4 bytes, so a count beyond that is garbage, not a reason to allocate.
        if (n < 0 || n > in.remaining() / 4) {
            throw new IllegalArgumentException("bad item count " + n);
        }
        return n;
    }

    private static String string(ByteBuffer in) {
        int n = in.getInt();
        if (n < 0 || n > in.remaining()) {
            throw new IllegalArgumentException("bad string length " + n);
        }
        String s = new String(in.array(), in.position(), n, StandardCharsets.UTF_8);
        in.position(in.position() + n);
        return s;
    }
}
