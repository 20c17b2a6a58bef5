package org.kernelir.core.meta;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Metadata of a node with several outputs. An element is {@code null} when that output is absent (for example
 * the key of a rotary embedding called without a key).
 *
 * @param elements one entry per output, in order
 */
public record TupleMeta(List<TensorMeta> elements) implements NodeMeta {

    public TupleMeta {
        elements = Collections.unmodifiableList(new ArrayList<>(elements));
    }

    public int size() {
        return elements.size();
    }

    public TensorMeta get(int i) {
        return elements.get(i);
    }

    @Override
    public String toString() {
        return elements.toString();
    }
}
