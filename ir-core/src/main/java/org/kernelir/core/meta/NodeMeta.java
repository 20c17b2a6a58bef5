package org.kernelir.core.meta;


/**
 * The metadata a graph node carries: one {@link TensorMeta} for a node that produces a tensor, or a
 * {@link TupleMeta} for a node that produces several.
 */
public sealed interface NodeMeta permits TensorMeta, TupleMeta {
}
