package org.kernelir.format;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The text of a graph or model document read from bytes. Documents are UTF-8 (as JSON exchanged between systems
 * must be, RFC 8259); a file in another encoding gets a message that says which it looks like and where the first
 * byte that is not UTF-8 is, instead of a misleading read error.
 */
public final class DocumentText {

    private DocumentText() {
    }

    /**
     * {@code bytes} as UTF-8 text (a UTF-8 byte order mark is skipped).
     *
     * @param source names the document in messages
     * @throws GraphFormatException naming the source, line and column of the first byte that is not UTF-8, or saying
     *                              that the document is UTF-16 or UTF-32
     */
    public static String utf8(byte[] bytes, String source) {
        int start = 0;
        if (bytes.length >= 3 && (bytes[0] & 0xff) == 0xef && (bytes[1] & 0xff) == 0xbb && (bytes[2] & 0xff) == 0xbf) {
            start = 3;
        }
        String wide = wideEncoding(bytes);
        if (wide != null) {
            throw new GraphFormatException(source, 1, 1, "", "the document is " + wide + "; kernel-ir reads UTF-8 "
                    + "only: save the file as UTF-8", null);
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes, start, bytes.length - start);
        CharBuffer out = CharBuffer.allocate(bytes.length - start);
        CoderResult r = decoder.decode(in, out, true);
        if (r.isError()) {
            int at = in.position();
            int line = 1;
            int column = 1;
            for (int i = start; i < at; i++) {
                if (bytes[i] == '\n') {
                    line++;
                    column = 1;
                } else if ((bytes[i] & 0xc0) != 0x80) {
                    column++;
                }
            }
            throw new GraphFormatException(source, line, column, "", String.format("byte 0x%02x is not UTF-8 (the "
                    + "document looks like %s); kernel-ir reads UTF-8 only: save the file as UTF-8", bytes[at] & 0xff,
                    looksLike(bytes)), null);
        }
        try {
            decoder.flush(out);
        } catch (IllegalStateException e) {
            throw new GraphFormatException(source, 0, 0, "", "the document ends inside a UTF-8 character", null);
        }
        out.flip();
        return out.toString();
    }

    /** UTF-16 or UTF-32 by byte order mark or by zero bytes around the first character, else {@code null}. */
    private static String wideEncoding(byte[] b) {
        if (b.length >= 4 && b[0] == 0 && b[1] == 0 && (b[2] & 0xff) == 0xfe && (b[3] & 0xff) == 0xff
                || b.length >= 4 && (b[0] & 0xff) == 0xff && (b[1] & 0xff) == 0xfe && b[2] == 0 && b[3] == 0) {
            return "UTF-32 (it starts with a UTF-32 byte order mark)";
        }
        if (b.length >= 2 && ((b[0] & 0xff) == 0xfe && (b[1] & 0xff) == 0xff || (b[0] & 0xff) == 0xff
                && (b[1] & 0xff) == 0xfe)) {
            return "UTF-16 (it starts with a UTF-16 byte order mark)";
        }
        if (b.length >= 2 && (b[0] == 0) != (b[1] == 0)) {
            return "UTF-16 (every other byte is zero)";
        }
        return null;
    }

    private static String looksLike(byte[] b) {
        int high = 0;
        for (byte x : b) {
            if (x < 0) {
                high++;
            }
        }
        return high * 10 > b.length ? "binary data, not a JSON document" : "Latin-1 or Windows-1252 text";
    }

    /**
     * A reader limit that the JSON parser reported, said without the parser's internals: nesting deeper than
     * 1,000 levels, a string longer than 20,000,000 characters, a number longer than 1,000 digits.
     *
     * @param parserMessage the parser's message
     */
    public static String limit(String parserMessage) {
        String m = parserMessage == null ? "" : parserMessage;
        if (m.contains("nesting depth")) {
            return "the document nests arrays or objects more than 1,000 levels deep; a graph needs a handful";
        }
        if (m.contains("String value length") || m.contains("Name length")) {
            return "the document holds a string longer than 20,000,000 characters";
        }
        if (m.contains("Number value length")) {
            return "the document holds a number longer than 1,000 digits";
        }
        if (m.contains("Document length")) {
            return "the document is longer than the reader allows";
        }
        return "the document exceeds a limit of the JSON reader";
    }
}
