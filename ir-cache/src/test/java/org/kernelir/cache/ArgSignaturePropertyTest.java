package org.kernelir.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.kernelir.core.shape.Dim;

/** Rules of {@link ArgSignature} that hold for every argument list (jqwik; named *Test so Surefire runs it). */
class ArgSignaturePropertyTest {

    @Property
    void renamingSymbolsBijectivelyNeverChangesTheSignature(@ForAll("argLists") List<Object> args,
            @ForAll("renamings") Map<String, Dim> renaming) {
        ArgSignature sig = ArgSignature.of(args);
        ArgSignature renamed = ArgSignature.of(ArgArbitraries.renameAll(args, renaming));
        assertEquals(sig.text(), renamed.text());
        assertEquals(sig.canonicalArgs(), renamed.canonicalArgs());
    }

    @Property
    void canonicalArgsHaveTheSameSignatureAndMapBackToTheCall(@ForAll("argLists") List<Object> args) {
        ArgSignature sig = ArgSignature.of(args);
        ArgSignature again = ArgSignature.of(sig.canonicalArgs());
        assertEquals(sig, again);
        assertEquals(sig.canonicalArgs(), again.canonicalArgs());
        assertEquals(args, ArgArbitraries.renameAll(sig.canonicalArgs(), sig.toCallSymbols()));
    }

    @Provide
    Arbitrary<List<Object>> argLists() {
        return ArgArbitraries.argLists();
    }

    @Provide
    Arbitrary<Map<String, Dim>> renamings() {
        return ArgArbitraries.renamings();
    }
}
