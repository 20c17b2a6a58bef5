package org.kernelir.cache;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.kernelir.format.GraphBinary;

/**
 * The disk form of a {@link LoweredGraph}: {@code notes <n> input <m>}, a newline, {@code n} bytes of notes in
 * UTF-8, {@code m} bytes of the input graph's {@link GraphBinary} form, then the lowered graph's binary form relative
 * to the input graph (its inputs and most of its metadata are references to the input graph's, which a process that
 * has just started reads quickly).
 */
final class LoweredGraphs {

    private LoweredGraphs() {
    }

    static byte[] encode(LoweredGraphKey key, LoweredGraph lowered) {
        byte[] notes = lowered.notes().getBytes(StandardCharsets.UTF_8);
        byte[] input = key.inputBytes();
        byte[] head = ("notes " + notes.length + " input " + input.length + "\n").getBytes(StandardCharsets.US_ASCII);
        byte[] graph = GraphBinary.write(lowered.graph(), key.graph());
        byte[] out = new byte[head.length + notes.length + input.length + graph.length];
        int at = 0;
        for (byte[] part : new byte[][] {head, notes, input, graph}) {
            System.arraycopy(part, 0, out, at, part.length);
            at += part.length;
        }
        return out;
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
        if (eol == payload.length || head.length != 4 || !head[0].equals("notes") || !head[2].equals("input")) {
            throw new IllegalArgumentException("no notes and input line");
        }
        int notesLength;
        int inputLength;
        try {
            notesLength = Integer.parseInt(head[1]);
            inputLength = Integer.parseInt(head[3]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad length: " + e.getMessage());
        }
        int notesStart = eol + 1;
        int inputStart = notesStart + notesLength;
        int graphStart = inputStart + inputLength;
        if (notesLength < 0 || inputLength < 0 || graphStart < 0 || graphStart > payload.length) {
            throw new IllegalArgumentException("lengths " + notesLength + " and " + inputLength
                    + " do not fit the entry");
        }
        byte[] input = key.inputBytes();
        if (!Arrays.equals(payload, inputStart, graphStart, input, 0, input.length)) {
            throw new IllegalArgumentException("it was stored for another input graph of the same name and size");
        }
        String notes = new String(payload, notesStart, notesLength, StandardCharsets.UTF_8);
        // Proved equal to the graph the entry was written against, so the lowered graph may refer to its nodes.
        return new LoweredGraph(GraphBinary.read(Arrays.copyOfRange(payload, graphStart, payload.length), key.graph()),
                notes);
    }
}
