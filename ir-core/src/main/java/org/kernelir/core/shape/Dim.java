package org.kernelir.core.shape;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One dimension of a tensor shape: either a constant such as {@code 4096} or a polynomial with {@code long}
 * coefficients over named symbols, such as {@code s0}, {@code 32*s0} or {@code s0*s1+4}.
 *
 * <p>Symbols stand for sizes only known when a graph runs (batch size, sequence length, ...). Their names match
 * {@code [A-Za-z_][A-Za-z_0-9]*}.
 *
 * <p>A {@code Dim} is an immutable value kept in a canonical form, so expressions that are equal as polynomials are
 * {@link #equals equal} and have the same {@link #hashCode}: {@code s0*32}, {@code 32*s0} and {@code s0*16+s0*16}
 * are one value, as are {@code s0*s1} and {@code s1*s0}. {@link #toString()} prints that form and {@link #parse}
 * reads it back. Coefficient arithmetic is exact: an overflow throws {@link ArithmeticException} rather than
 * wrapping around.
 */
public final class Dim implements Comparable<Dim> {

    /** Constants -1 to 1024, shared. */
    private static final Dim[] SMALL = new Dim[1026];

    static {
        for (int i = 0; i < SMALL.length; i++) {
            SMALL[i] = term(Monomial.UNIT, i - 1);
        }
    }

    /** The constant 0. */
    public static final Dim ZERO = of(0);
    /** The constant 1. */
    public static final Dim ONE = of(1);

    /**
     * Monomial -> coefficient; never holds a zero coefficient. The map's order (degree descending, then by symbol
     * names, constant last) is the order {@link #toString()} prints terms in.
     */
    private final SortedMap<Monomial, Long> terms;

    // Shapes are mostly constants and single symbols, and they are compared, hashed and printed on every cache
    // lookup: these fields keep those cases off the TreeMap paths.
    private final boolean constant;
    private final long constantValue;
    /** The symbol's name when this is exactly one symbol, else {@code null}. */
    private final String symbol;
    private String text;
    private int hash;

    private Dim(TreeMap<Monomial, Long> terms) {
        this.terms = Collections.unmodifiableSortedMap(terms);
        Map.Entry<Monomial, Long> only = terms.size() == 1 ? terms.firstEntry() : null;
        this.constant = terms.isEmpty() || (only != null && only.getKey().degree() == 0);
        this.constantValue = constant && only != null ? only.getValue() : 0;
        this.symbol = only != null && only.getKey().degree() == 1 && only.getValue() == 1
                ? only.getKey().symbols().getFirst() : null;
    }

    /** Returns the constant dimension {@code value}. */
    public static Dim of(long value) {
        if (value >= -1 && value < SMALL.length - 1) {
            return SMALL[(int) value + 1];
        }
        return term(Monomial.UNIT, value);
    }

    /**
     * Returns the dimension consisting of the single symbol {@code name}.
     *
     * @throws IllegalArgumentException if {@code name} does not match {@code [A-Za-z_][A-Za-z_0-9]*}
     */
    public static Dim sym(String name) {
        if (!isValidSymbol(name)) {
            throw new IllegalArgumentException("Invalid symbol name " + (name == null ? "null" : "\"" + name + "\"")
                    + ": a symbol must match [A-Za-z_][A-Za-z_0-9]* (a letter or '_', then letters, digits or '_')");
        }
        return term(new Monomial(List.of(name)), 1);
    }

    /**
     * Parses a dimension: the {@link #toString()} form, or any expression built from non-negative integer
     * literals, symbols, binary {@code +}, {@code -} and {@code *}, unary {@code -}, parentheses and whitespace,
     * with the usual precedence. {@code parse(d.toString()).equals(d)} holds for every {@code d}.
     *
     * @throws IllegalArgumentException if {@code text} is not such an expression; the message gives the text, the
     *     (0-based) character position and what was expected there
     */
    public static Dim parse(String text) {
        return DimParser.parse(text);
    }

    /**
     * Returns {@code this + other}.
     *
     * @throws ArithmeticException if a coefficient overflows
     */
    public Dim plus(Dim other) {
        if (constant && other.constant) {
            try {
                return of(Math.addExact(constantValue, other.constantValue));
            } catch (ArithmeticException e) {
                throw overflow("(" + this + ") + (" + other + ")");
            }
        }
        if (other.constant && other.constantValue == 0) {
            return this;
        }
        if (constant && constantValue == 0) {
            return other;
        }
        var sum = new TreeMap<>(terms);
        try {
            other.terms.forEach((m, c) -> addTerm(sum, m, c));
        } catch (ArithmeticException e) {
            throw overflow("(" + this + ") + (" + other + ")");
        }
        return new Dim(sum);
    }

    /**
     * Returns {@code this + value}.
     *
     * @throws ArithmeticException if a coefficient overflows
     */
    public Dim plus(long value) {
        return plus(of(value));
    }

    /**
     * Returns {@code this - other}.
     *
     * @throws ArithmeticException if a coefficient overflows
     */
    public Dim minus(Dim other) {
        return plus(other.times(-1));
    }

    /**
     * Returns {@code this * other}, multiplied out.
     *
     * @throws ArithmeticException if a coefficient overflows
     */
    public Dim times(Dim other) {
        if (constant && other.constant) {
            try {
                return of(Math.multiplyExact(constantValue, other.constantValue));
            } catch (ArithmeticException e) {
                throw overflow("(" + this + ") * (" + other + ")");
            }
        }
        if (other.constant && other.constantValue == 1) {
            return this;
        }
        if (constant && constantValue == 1) {
            return other;
        }
        var product = new TreeMap<Monomial, Long>();
        try {
            for (var a : terms.entrySet()) {
                for (var b : other.terms.entrySet()) {
                    addTerm(product, a.getKey().times(b.getKey()), Math.multiplyExact(a.getValue(), b.getValue()));
                }
            }
        } catch (ArithmeticException e) {
            throw overflow("(" + this + ") * (" + other + ")");
        }
        return new Dim(product);
    }

    /**
     * Returns {@code this * factor}.
     *
     * @throws ArithmeticException if a coefficient overflows
     */
    public Dim times(long factor) {
        return times(of(factor));
    }

    /**
     * Divides exactly: returns the {@code q} with {@code q.times(divisor).equals(this)} if such a polynomial with
     * integer coefficients exists, otherwise empty. Reshape uses it to infer a {@code -1} dimension:
     * {@code (4096*s0) / 4096 = s0}, {@code (4096*s0) / s0 = 4096}, {@code (s0*s1+s1) / (s0+1) = s1}, any
     * {@code d / d = 1}; {@code (s0+1) / 2} and {@code s0 / s1} are empty. Division by zero is always empty.
     */
    public Optional<Dim> exactDivide(Dim divisor) {
        if (divisor.terms.isEmpty()) {
            return Optional.empty();
        }
        // Polynomial long division by leading terms. The term order is graded, so it is a monomial order: if
        // this = q * divisor, the leading term of divisor divides the leading term of every remainder, and each
        // step strictly lowers the remainder's leading term, which ends the loop.
        Monomial divisorLead = divisor.terms.firstKey();
        long divisorCoefficient = divisor.terms.get(divisorLead);
        Dim quotient = ZERO;
        Dim remainder = this;
        try {
            while (!remainder.terms.isEmpty()) {
                Monomial lead = remainder.terms.firstKey();
                long coefficient = remainder.terms.get(lead);
                Monomial monomial = lead.dividedBy(divisorLead);
                if (monomial == null || coefficient % divisorCoefficient != 0) {
                    return Optional.empty();
                }
                Dim step = term(monomial, Math.divideExact(coefficient, divisorCoefficient));
                quotient = quotient.plus(step);
                remainder = remainder.minus(step.times(divisor));
            }
        } catch (ArithmeticException e) {
            return Optional.empty(); // an intermediate value left the long range: no quotient we could represent
        }
        return Optional.of(quotient);
    }

    /** Returns whether this dimension has no symbols. */
    public boolean isConstant() {
        return constant;
    }

    /**
     * Returns the value of a constant dimension.
     *
     * @throws IllegalStateException if this dimension is symbolic; the message names the expression
     */
    public long constant() {
        if (!constant) {
            throw new IllegalStateException("Dimension " + this + " is symbolic, not a constant");
        }
        return constantValue;
    }

    /** Returns whether this dimension is exactly one symbol: coefficient 1, no other term, no constant term. */
    public boolean isSymbol() {
        return symbol != null;
    }

    /**
     * Returns the symbol's name of a dimension that {@link #isSymbol() is a symbol}.
     *
     * @throws IllegalStateException if this dimension is not a single symbol
     */
    public String symbolName() {
        if (symbol == null) {
            throw new IllegalStateException("Dimension " + this + " is not a single symbol");
        }
        return symbol;
    }

    /** Returns the names of the symbols this dimension uses, sorted; empty for a constant. Unmodifiable. */
    public SortedSet<String> symbols() {
        var names = new TreeSet<String>();
        terms.keySet().forEach(m -> names.addAll(m.symbols()));
        return Collections.unmodifiableSortedSet(names);
    }

    /**
     * Returns the value of this dimension with each symbol replaced by its value in {@code bindings}. Bindings
     * for symbols this dimension does not use are ignored.
     *
     * @throws IllegalArgumentException if a symbol has no binding; the message names the symbol and the expression
     * @throws ArithmeticException if the value overflows a {@code long}; the message names the expression
     */
    public long evaluate(Map<String, Long> bindings) {
        long sum = 0;
        try {
            for (var t : terms.entrySet()) {
                long value = t.getValue();
                for (String name : t.getKey().symbols()) {
                    Long bound = bindings.get(name);
                    if (bound == null) {
                        throw new IllegalArgumentException("Unbound symbol '" + name + "' in dimension " + this);
                    }
                    value = Math.multiplyExact(value, bound);
                }
                sum = Math.addExact(sum, value);
            }
        } catch (ArithmeticException e) {
            throw new ArithmeticException("long overflow evaluating dimension " + this + " with " + bindings);
        }
        return sum;
    }

    /**
     * Returns this dimension with every symbol that is a key of {@code replacement} replaced by its value, in
     * canonical form; other symbols stay. Used to rename symbols ({@code s7 -> s0}) and to inline graphs.
     * Replacement is simultaneous: {@code {s0 -> s1, s1 -> s0}} swaps the two.
     *
     * @throws ArithmeticException if a coefficient overflows
     */
    public Dim substitute(Map<String, Dim> replacement) {
        if (constant || replacement.isEmpty()) {
            return this;
        }
        if (isSymbol()) {
            Dim value = replacement.get(terms.firstKey().symbols().getFirst());
            return value != null ? value : this;
        }
        Dim result = ZERO;
        for (var t : terms.entrySet()) {
            Dim product = of(t.getValue());
            for (String name : t.getKey().symbols()) {
                Dim value = replacement.get(name);
                product = product.times(value != null ? value : sym(name));
            }
            result = result.plus(product);
        }
        return result;
    }

    /**
     * Orders constants before symbolic dimensions, constants by value, and symbolic dimensions by their terms in
     * {@link #toString()} order (first by monomial, then by coefficient). Consistent with {@link #equals}.
     */
    @Override
    public int compareTo(Dim other) {
        if (isConstant() || other.isConstant()) {
            if (isConstant() && other.isConstant()) {
                return Long.compare(constant(), other.constant());
            }
            return isConstant() ? -1 : 1;
        }
        Iterator<Map.Entry<Monomial, Long>> a = terms.entrySet().iterator();
        Iterator<Map.Entry<Monomial, Long>> b = other.terms.entrySet().iterator();
        while (a.hasNext() && b.hasNext()) {
            var x = a.next();
            var y = b.next();
            int c = x.getKey().compareTo(y.getKey());
            if (c == 0) {
                c = Long.compare(x.getValue(), y.getValue());
            }
            if (c != 0) {
                return c;
            }
        }
        return Boolean.compare(a.hasNext(), b.hasNext());
    }

    /** Two dimensions are equal when they are the same polynomial. */
    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Dim other)) {
            return false;
        }
        if (constant || other.constant) {
            return constant && other.constant && constantValue == other.constantValue;
        }
        return hashCode() == other.hashCode() && terms.equals(other.terms);
    }

    /** Consistent with {@link #equals}. */
    @Override
    public int hashCode() {
        int h = hash;
        if (h == 0) {
            h = terms.hashCode();
            hash = h;
        }
        return h;
    }

    /**
     * Returns the canonical form, which {@link #parse} reads back: terms by degree descending, then by symbol
     * names, the constant last; the coefficient first and omitted when it is 1; a power as a repeated symbol.
     * Examples: {@code 4096}, {@code 32*s0}, {@code s0*s1+4}, {@code -s0+8}, {@code 2*s0*s0-s1}.
     */
    @Override
    public String toString() {
        String t = text;
        if (t == null) {
            t = constant ? Long.toString(constantValue) : format();
            text = t;
        }
        return t;
    }

    private String format() {
        if (terms.isEmpty()) {
            return "0";
        }
        var out = new StringBuilder();
        terms.forEach((monomial, coefficient) -> {
            if (coefficient < 0) {
                out.append('-');
            } else if (!out.isEmpty()) {
                out.append('+');
            }
            // Strip the sign from the decimal form rather than negating: -Long.MIN_VALUE does not exist.
            String magnitude = Long.toString(coefficient).substring(coefficient < 0 ? 1 : 0);
            if (monomial.degree() == 0) {
                out.append(magnitude);
            } else {
                if (!magnitude.equals("1")) {
                    out.append(magnitude).append('*');
                }
                out.append(String.join("*", monomial.symbols()));
            }
        });
        return out.toString();
    }

    static boolean isSymbolStart(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    }

    static boolean isSymbolPart(char c) {
        return isSymbolStart(c) || (c >= '0' && c <= '9');
    }

    private static boolean isValidSymbol(String name) {
        if (name == null || name.isEmpty() || !isSymbolStart(name.charAt(0))) {
            return false;
        }
        return name.chars().allMatch(c -> isSymbolPart((char) c));
    }

    private static Dim term(Monomial monomial, long coefficient) {
        var map = new TreeMap<Monomial, Long>();
        addTerm(map, monomial, coefficient);
        return new Dim(map);
    }

    /** Adds {@code coefficient * monomial} to {@code terms}, dropping the term if it cancels to zero. */
    private static void addTerm(TreeMap<Monomial, Long> terms, Monomial monomial, long coefficient) {
        long sum = Math.addExact(terms.getOrDefault(monomial, 0L), coefficient);
        if (sum == 0) {
            terms.remove(monomial);
        } else {
            terms.put(monomial, sum);
        }
    }

    private static ArithmeticException overflow(String expression) {
        return new ArithmeticException("long overflow in dimension arithmetic " + expression);
    }

    /**
     * A product of symbols, e.g. {@code s0*s0*s1}, kept as a sorted list with repeats so that {@code s0*s1} and
     * {@code s1*s0} are one key. The empty list is the constant monomial 1.
     */
    private record Monomial(List<String> symbols) implements Comparable<Monomial> {
        static final Monomial UNIT = new Monomial(List.of());

        Monomial {
            symbols = List.copyOf(symbols);
        }

        int degree() {
            return symbols.size();
        }

        Monomial times(Monomial other) {
            var all = new ArrayList<>(symbols);
            all.addAll(other.symbols);
            Collections.sort(all);
            return new Monomial(all);
        }

        /** Returns {@code this / other}, or null if {@code other} has a symbol (counting repeats) this lacks. */
        Monomial dividedBy(Monomial other) {
            var rest = new ArrayList<>(symbols);
            for (String name : other.symbols) {
                if (!rest.remove(name)) {
                    return null;
                }
            }
            return new Monomial(rest);
        }

        /** Higher degree first, then the sorted symbol lists lexicographically; so the constant comes last. */
        @Override
        public int compareTo(Monomial other) {
            if (degree() != other.degree()) {
                return Integer.compare(other.degree(), degree());
            }
            for (int i = 0; i < degree(); i++) {
                int c = symbols.get(i).compareTo(other.symbols.get(i));
                if (c != 0) {
                    return c;
                }
            }
            return 0;
        }
    }
}
