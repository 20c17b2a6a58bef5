package org.kernelir.cache;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.graph.Node;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.op.OpDef;
import org.kernelir.core.provider.ProviderIdentity;

/**
 * What a traced replacement graph is keyed by: the op and overload, the implementing provider's identity
 * (name, source, plugin id and version, code fingerprint), the canonical argument signature, and the version
 * of kernel-ir's graph format. Never a function reference or a class, so a key is stable across processes and
 * holds nothing that keeps a plugin's class loader alive.
 *
 * @param op            the op's name
 * @param overload      {@code "default"} or {@code "maybe_inplace"}
 * @param provider      the provider's identity
 * @param signature     the canonical argument signature
 * @param formatVersion the graph format version the entry was written with
 */
public record ReplacementKey(String op, String overload, ProviderIdentity provider, ArgSignature signature,
        int formatVersion) implements CacheKey {

    /** The graph format version of this kernel-ir. */
    public static final int FORMAT_VERSION = 1;

    public ReplacementKey {
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(overload, "overload");
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(signature, "signature");
    }

    /** The key of tracing {@code op}'s implementation by {@code provider} for {@code metaArgs}. */
    public static ReplacementKey of(OpDef<?> op, boolean functional, ProviderIdentity provider, List<Object> metaArgs) {
        return new ReplacementKey(op.name(), functional ? "default" : OpDef.MAYBE_INPLACE, provider,
                ArgSignature.of(metaArgs), FORMAT_VERSION);
    }

    /**
     * Why {@code graph} cannot be this key's replacement, or {@code null} when it can: a replacement traced for this
     * key has one placeholder per tensor of the canonical arguments, in order, with exactly that metadata. An entry
     * with a valid checksum and this key's text but another key's graph (a forged or misplaced entry) fails this.
     */
    String contentProblem(Graph graph) {
        List<TensorMeta> expected = new ArrayList<>();
        for (Object a : signature.canonicalArgs()) {
            if (a instanceof TensorMeta m) {
                expected.add(m);
            }
        }
        List<Node> placeholders = graph.placeholders();
        if (placeholders.size() != expected.size()) {
            return "its graph has " + placeholders.size() + " inputs where the key's arguments have "
                    + expected.size() + " tensors";
        }
        for (int i = 0; i < expected.size(); i++) {
            if (!expected.get(i).equals(placeholders.get(i).meta())) {
                return "input " + i + " of its graph is " + placeholders.get(i).meta() + " where the key's argument is "
                        + expected.get(i);
            }
        }
        return null;
    }

    /** The whole key as canonical text; equal keys have equal text. */
    @Override
    public String text() {
        return "kernel-ir replacement\nformat " + formatVersion + "\ncode " + KernelIrCode.identity() + "\nop " + op
                + "." + overload + "\nprovider " + provider.key() + "\nargs " + signature.text() + "\n";
    }

    @Override
    public String describe() {
        return op + "." + overload + " by " + provider.name();
    }
}
