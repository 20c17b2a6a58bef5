package org.kernelir.core.tensor;

/**
 * A tensor-valued argument that stands for a value computed elsewhere, such as a graph node. Schemas accept it
 * wherever they accept a tensor, so that a graph's calls are checked with the same rules as eager calls; the
 * tensor layer needs to know nothing else about graphs.
 */
public interface TensorRef {

    /** The name the value is known by (a node's name), unique within its graph. */
    String name();
}
