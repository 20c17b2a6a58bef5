package org.kernelir.core.shape;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.SortedSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class DimTest {

    private static final Dim S0 = Dim.sym("s0");
    private static final Dim S1 = Dim.sym("s1");

    // ---- canonical form -------------------------------------------------------------------------------------

    @Test
    void equalPolynomialsAreEqualValues() {
        Dim a = S0.times(32);
        Dim b = Dim.of(32).times(S0);
        Dim c = S0.times(16).plus(S0.times(16));
        assertEquals(a, b);
        assertEquals(a, c);
        assertEquals(a.hashCode(), c.hashCode());
        assertEquals(S0.times(S1), S1.times(S0));
        assertEquals(Dim.ZERO, S0.minus(S0));
        assertEquals(S0, S0.plus(1).minus(Dim.ONE));
        assertNotEquals(S0, S1);
        assertNotEquals(S0, S0.plus(1));
    }

    @Test
    void toStringIsCanonical() {
        assertEquals("0", Dim.ZERO.toString());
        assertEquals("1", Dim.ONE.toString());
        assertEquals("-7", Dim.of(-7).toString());
        assertEquals("32*s0", S0.times(32).toString());
        assertEquals("32*s0", Dim.parse("s0 * 32").toString());
        assertEquals("s0*s1+4", S1.times(S0).plus(4).toString());
        assertEquals("-s0+8", Dim.of(8).minus(S0).toString());
        assertEquals("2*s0*s0-s1", S0.times(S0).times(2).minus(S1).toString());
        assertEquals("n*s0+s0*s0+s0-3", Dim.parse("s0 - 3 + s0*s0 + s0*n").toString());
    }

    @Test
    void extremeCoefficientsRoundTrip() {
        for (Dim d : List.of(Dim.of(Long.MIN_VALUE), Dim.of(Long.MAX_VALUE),
                S0.times(Long.MIN_VALUE), Dim.sym("a").plus(Dim.sym("b").times(Long.MIN_VALUE)),
                Dim.sym("a").plus(Long.MIN_VALUE))) {
            assertEquals(d, Dim.parse(d.toString()), d.toString());
        }
    }

    // ---- parsing ----------------------------------------------------------------------------------------------

    @Test
    void parsesGeneralInput() {
        assertEquals(S0.times(2).plus(6).plus(S1), Dim.parse(" 2 * (s0 + 3) - -s1 "));
        assertEquals(S0.times(-4).plus(4), Dim.parse("-(s0-1)*4"));
        assertEquals(S0.times(-3), Dim.parse("s0*-3"));
        assertEquals(Dim.sym("tokens").times(Dim.sym("_x1")), Dim.parse("tokens*_x1"));
        assertEquals(Dim.of(4096), Dim.parse("4096"));
        assertEquals(Dim.of(-1), Dim.parse("1-2"));
        assertEquals(S0.times(S0).times(S1), Dim.parse("(s0*s1)*s0"));
    }

    @Test
    void parseErrorsGivePositionAndExpectation() {
        var e = assertThrows(IllegalArgumentException.class, () -> Dim.parse("s0 + * 2"));
        assertTrue(e.getMessage().contains("\"s0 + * 2\""), e.getMessage());
        assertTrue(e.getMessage().contains("position 5"), e.getMessage());
        assertTrue(e.getMessage().contains("expected an integer, a symbol"), e.getMessage());

        assertParseError("(s0+1", "position 5", "')'");
        assertParseError("", "position 0", "end of input");
        assertParseError("s0 s1", "position 3", "end of input");
        assertParseError("2s0", "position 1", "'s'");
        assertParseError("s0^2", "position 2", "'^'");
        assertParseError("99999999999999999999", "position 0", "fits a long");
        assertParseError("-(-9223372036854775808)", "overflow", "-(-9223372036854775808)");
    }

    private static void assertParseError(String text, String... fragments) {
        var e = assertThrows(IllegalArgumentException.class, () -> Dim.parse(text));
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), e.getMessage());
        }
    }

    @Test
    void symbolNamesAreValidated() {
        Dim.sym("_");
        Dim.sym("Batch_2");
        for (String bad : new String[] {"", "1x", "a-b", "s 0", "ä"}) {
            var e = assertThrows(IllegalArgumentException.class, () -> Dim.sym(bad));
            assertTrue(e.getMessage().contains("[A-Za-z_][A-Za-z_0-9]*"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> Dim.sym(null));
    }

    // ---- exact division ---------------------------------------------------------------------------------------

    @Test
    void exactDivideInfersReshapeDimensions() {
        assertEquals(Optional.of(S0), Dim.parse("s0*32*128").exactDivide(Dim.of(32 * 128)));
        assertEquals(Optional.of(Dim.of(4096)), S0.times(4096).exactDivide(S0));
        assertEquals(Optional.of(S0.times(2).plus(1)), Dim.parse("8*s0+4").exactDivide(Dim.of(4)));
        assertEquals(Optional.of(S1.times(8)), Dim.parse("8*s0*s1").exactDivide(S0));
        assertEquals(Optional.of(Dim.ONE), S0.plus(S1).exactDivide(S1.plus(S0)));
        assertEquals(Optional.of(S1), Dim.parse("s0*s1+s1").exactDivide(S0.plus(1)));
        assertEquals(Optional.of(Dim.of(-4)), Dim.parse("-4*s0-4").exactDivide(S0.plus(1)));
        assertEquals(Optional.of(Dim.ZERO), Dim.ZERO.exactDivide(S0));
        assertEquals(Optional.of(Dim.of(3)), Dim.of(12).exactDivide(Dim.of(4)));
    }

    @Test
    void exactDivideFailsWhenNotExact() {
        assertEquals(Optional.empty(), S0.plus(1).exactDivide(Dim.of(2)));
        assertEquals(Optional.empty(), Dim.parse("2*s0+3").exactDivide(Dim.of(2)));
        assertEquals(Optional.empty(), S0.exactDivide(S1));
        assertEquals(Optional.empty(), S0.plus(1).exactDivide(S0));
        assertEquals(Optional.empty(), S0.exactDivide(S0.times(S0)));
        assertEquals(Optional.empty(), Dim.of(3).exactDivide(Dim.of(2)));
        assertEquals(Optional.empty(), Dim.parse("s0*s1+1").exactDivide(S0.plus(1)));
        assertEquals(Optional.empty(), S0.exactDivide(Dim.ZERO));
        assertEquals(Optional.empty(), Dim.ZERO.exactDivide(Dim.ZERO));
    }

    // ---- queries ----------------------------------------------------------------------------------------------

    @Test
    void constantsAndSymbols() {
        assertTrue(Dim.of(7).isConstant());
        assertTrue(Dim.ZERO.isConstant());
        assertEquals(7, Dim.of(7).constant());
        assertEquals(0, Dim.ZERO.constant());
        assertFalse(S0.isConstant());

        var e = assertThrows(IllegalStateException.class, () -> S0.plus(1).constant());
        assertTrue(e.getMessage().contains("s0+1"), e.getMessage());

        assertTrue(S0.isSymbol());
        assertEquals("s0", S0.symbolName());
        assertFalse(S0.times(2).isSymbol());
        assertFalse(S0.plus(1).isSymbol());
        assertFalse(S0.times(S0).isSymbol());
        assertFalse(Dim.ONE.isSymbol());
        assertThrows(IllegalStateException.class, () -> S0.times(2).symbolName());

        SortedSet<String> symbols = Dim.parse("n*s1+s0*s0+3").symbols();
        assertEquals(List.of("n", "s0", "s1"), List.copyOf(symbols));
        assertThrows(UnsupportedOperationException.class, () -> symbols.add("x"));
        assertTrue(Dim.of(3).symbols().isEmpty());
    }

    @Test
    void evaluate() {
        Dim d = Dim.parse("s0*s1+4");
        assertEquals(10, d.evaluate(Map.of("s0", 2L, "s1", 3L, "unused", 99L)));

        var unbound = assertThrows(IllegalArgumentException.class, () -> d.evaluate(Map.of("s0", 2L)));
        assertTrue(unbound.getMessage().contains("'s1'"), unbound.getMessage());
        assertTrue(unbound.getMessage().contains("s0*s1+4"), unbound.getMessage());

        var overflow = assertThrows(ArithmeticException.class,
                () -> S0.times(S0).evaluate(Map.of("s0", 1L << 32)));
        assertTrue(overflow.getMessage().contains("s0*s0"), overflow.getMessage());
    }

    @Test
    void substitute() {
        Dim s7 = Dim.sym("s7");
        assertEquals(S0.times(32).plus(S1), s7.times(32).plus(S1).substitute(Map.of("s7", S0)));
        assertEquals(Dim.parse("4*s1*s1+4*s1+1"), S0.times(S0).substitute(Map.of("s0", Dim.parse("2*s1+1"))));
        assertEquals(Dim.parse("s1-s0"), Dim.parse("s0-s1").substitute(Map.of("s0", S1, "s1", S0)));
        assertEquals(Dim.of(12), Dim.parse("s0*s1").substitute(Map.of("s0", Dim.of(3), "s1", Dim.of(4))));
        assertEquals(Dim.ZERO, Dim.parse("s0*s1+2").substitute(Map.of("s0", Dim.ZERO, "s1", Dim.of(5)))
                .minus(Dim.of(2)));
        assertEquals(S0.plus(1), S0.plus(1).substitute(Map.of()));
    }

    @Test
    void compareToOrdersConstantsByValueThenSymbolicDims() {
        var dims = new ArrayList<>(List.of(S1, Dim.of(5), S0.plus(1), Dim.ZERO, S0, Dim.of(-3), S0.times(S0)));
        Collections.sort(dims);
        assertEquals(List.of(Dim.of(-3), Dim.ZERO, Dim.of(5), S0.times(S0), S0, S0.plus(1), S1), dims);
        assertEquals(0, S0.times(2).compareTo(Dim.parse("s0+s0")));
    }

    // ---- properties -------------------------------------------------------------------------------------------

    // Depths are small so that no value exceeds 9^16 (< Long.MAX_VALUE) even after multiplying two of them.

    /** Random expressions over a few symbols and constants in [-9, 9], built with plus and times, depth <= 3. */
    @Provide
    Arbitrary<Dim> dims() {
        return dims(3);
    }

    /** As {@link #dims()} with depth <= 2, for properties that combine up to four of them. */
    @Provide
    Arbitrary<Dim> smallDims() {
        return dims(2);
    }

    private static Arbitrary<Dim> dims(int maxDepth) {
        Arbitrary<Dim> leaves = Arbitraries.oneOf(List.of(
                Arbitraries.longs().between(-9, 9).map(Dim::of),
                Arbitraries.of("s0", "s1", "n").map(Dim::sym)));
        return Arbitraries.recursive(() -> leaves,
                inner -> Arbitraries.oneOf(List.of(
                        inner,
                        Combinators.combine(inner, inner).as(Dim::plus),
                        Combinators.combine(inner, inner).as(Dim::times))),
                0, maxDepth);
    }

    private static Map<String, Long> bindings(int s0, int s1, int n) {
        return Map.of("s0", (long) s0, "s1", (long) s1, "n", (long) n);
    }

    @Property
    void parseRoundTripsToString(@ForAll("dims") Dim d) {
        assertEquals(d, Dim.parse(d.toString()));
        assertEquals(d.toString(), Dim.parse(d.toString()).toString());
    }

    @Property
    void evaluateIsAdditiveAndMultiplicative(@ForAll("dims") Dim a, @ForAll("dims") Dim b,
            @ForAll @IntRange(min = -5, max = 5) int s0, @ForAll @IntRange(min = -5, max = 5) int s1,
            @ForAll @IntRange(min = -5, max = 5) int n) {
        var env = bindings(s0, s1, n);
        assertEquals(a.evaluate(env) + b.evaluate(env), a.plus(b).evaluate(env));
        assertEquals(a.evaluate(env) - b.evaluate(env), a.minus(b).evaluate(env));
        assertEquals(a.evaluate(env) * b.evaluate(env), a.times(b).evaluate(env));
    }

    @Property
    void sameExpressionBuiltInDifferentOrdersIsEqual(@ForAll @Size(min = 1, max = 4) List<@From("smallDims") Dim> parts,
            @ForAll long seed) {
        var shuffled = new ArrayList<>(parts);
        Collections.shuffle(shuffled, new Random(seed));
        Dim sum = parts.stream().reduce(Dim.ZERO, Dim::plus);
        Dim sumShuffled = shuffled.stream().reduce(Dim.ZERO, Dim::plus);
        Dim product = parts.stream().reduce(Dim.ONE, Dim::times);
        Dim productShuffled = shuffled.stream().reduce(Dim.ONE, Dim::times);
        assertEqualValues(sum, sumShuffled);
        assertEqualValues(product, productShuffled);

        // Distributivity: a*(b+c+...) equals a*b + a*c + ...
        Dim first = parts.getFirst();
        Dim distributed = parts.stream().map(first::times).reduce(Dim.ZERO, Dim::plus);
        assertEqualValues(first.times(sum), distributed);
    }

    private static void assertEqualValues(Dim a, Dim b) {
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertEquals(a.toString(), b.toString());
        assertEquals(0, a.compareTo(b));
    }

    @Property
    void compareToIsConsistentWithEquals(@ForAll("dims") Dim a, @ForAll("dims") Dim b) {
        assertEquals(a.equals(b), a.compareTo(b) == 0);
        assertEquals(Integer.signum(a.compareTo(b)), -Integer.signum(b.compareTo(a)));
    }

    @Property
    void productDividesExactlyByEachFactor(@ForAll("dims") Dim a, @ForAll("dims") Dim b) {
        if (!b.equals(Dim.ZERO)) {
            assertEquals(Optional.of(a), a.times(b).exactDivide(b));
        }
    }

    @Property
    void substituteAgreesWithEvaluate(@ForAll("smallDims") Dim d, @ForAll("smallDims") Dim replacement,
            @ForAll @IntRange(min = -3, max = 3) int s0, @ForAll @IntRange(min = -3, max = 3) int s1,
            @ForAll @IntRange(min = -3, max = 3) int n) {
        var env = bindings(s0, s1, n);
        var inner = new HashMap<>(env);
        inner.put("s0", replacement.evaluate(env));
        assertEquals(d.evaluate(inner), d.substitute(Map.of("s0", replacement)).evaluate(env));
    }
}
