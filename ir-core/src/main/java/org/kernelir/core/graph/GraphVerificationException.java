package org.kernelir.core.graph;

import java.util.List;

/**
 * A graph that breaks the rules of its targets. The message lists every problem {@link GraphVerifier} found,
 * one per line, each naming its node; {@link #problems()} gives them as a list.
 */
public final class GraphVerificationException extends RuntimeException {

    private final String graphName;
    private final List<String> problems;

    /**
     * @param graphName the graph that failed verification
     * @param problems  what is wrong, at least one entry, each naming its node
     */
    public GraphVerificationException(String graphName, List<String> problems) {
        super("graph " + graphName + " failed verification with " + problems.size()
                + (problems.size() == 1 ? " problem" : " problems") + ":\n  " + String.join("\n  ", problems));
        this.graphName = graphName;
        this.problems = List.copyOf(problems);
    }

    /** The name of the graph that failed verification. */
    public String graphName() {
        return graphName;
    }

    /** Every problem found, in graph order. */
    public List<String> problems() {
        return problems;
    }
}
