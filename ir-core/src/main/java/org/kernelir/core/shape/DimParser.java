package org.kernelir.core.shape;

/**
 * Recursive-descent parser behind {@link Dim#parse}. Grammar, with the usual precedence:
 *
 * <pre>
 * expression := term (('+' | '-') term)*
 * term       := factor ('*' factor)*
 * factor     := '-' factor | integer | symbol | '(' expression ')'
 * </pre>
 *
 * <p>A minus sign is carried down to the first integer literal it applies to instead of being applied afterwards,
 * so that {@code -9223372036854775808} (which {@link Dim#toString()} prints for {@code Long.MIN_VALUE}) parses
 * although its magnitude does not fit a {@code long}.
 */
final class DimParser {
    private final String text;
    private int pos;

    private DimParser(String text) {
        this.text = text;
    }

    static Dim parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("Cannot parse dimension: text is null");
        }
        var parser = new DimParser(text);
        try {
            Dim result = parser.expression();
            parser.skipSpaces();
            if (parser.pos < text.length()) {
                throw parser.error("'+', '-', '*' or end of input");
            }
            return result;
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("Cannot parse dimension \"" + text + "\": " + e.getMessage()
                    + " (before position " + parser.pos + ")", e);
        }
    }

    private Dim expression() {
        Dim result = term(false);
        while (true) {
            if (accept('+')) {
                result = result.plus(term(false));
            } else if (accept('-')) {
                result = result.plus(term(true));
            } else {
                return result;
            }
        }
    }

    private Dim term(boolean negate) {
        Dim result = factor(negate);
        while (accept('*')) {
            result = result.times(factor(false));
        }
        return result;
    }

    private Dim factor(boolean negate) {
        if (accept('-')) {
            return factor(!negate);
        }
        // accept() skipped the spaces, so pos is at the factor's first character (or the end).
        if (pos < text.length() && isDigit(text.charAt(pos))) {
            return integer(negate);
        }
        Dim result;
        if (pos < text.length() && Dim.isSymbolStart(text.charAt(pos))) {
            int start = pos;
            while (pos < text.length() && Dim.isSymbolPart(text.charAt(pos))) {
                pos++;
            }
            result = Dim.sym(text.substring(start, pos));
        } else if (accept('(')) {
            result = expression();
            if (!accept(')')) {
                throw error("'+', '-', '*' or ')'");
            }
        } else {
            throw error("an integer, a symbol, '(' or '-'");
        }
        return negate ? result.times(-1) : result;
    }

    private Dim integer(boolean negate) {
        int start = pos;
        while (pos < text.length() && isDigit(text.charAt(pos))) {
            pos++;
        }
        String digits = text.substring(start, pos);
        try {
            return Dim.of(Long.parseLong(negate ? "-" + digits : digits));
        } catch (NumberFormatException e) {
            pos = start;
            throw error("an integer that fits a long (" + Long.MIN_VALUE + " to " + Long.MAX_VALUE + ")");
        }
    }

    /** Skips whitespace; then consumes {@code c} and returns true if it is next. */
    private boolean accept(char c) {
        skipSpaces();
        if (pos < text.length() && text.charAt(pos) == c) {
            pos++;
            return true;
        }
        return false;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private void skipSpaces() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
            pos++;
        }
    }

    private IllegalArgumentException error(String expected) {
        String found = pos < text.length() ? "'" + text.charAt(pos) + "'" : "end of input";
        return new IllegalArgumentException("Cannot parse dimension \"" + text + "\": expected " + expected
                + " at position " + pos + " but found " + found);
    }
}
