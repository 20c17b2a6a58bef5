package org.kernelir.core.meta;

/**
 * Where a tensor's storage lives: {@code cpu}, or {@code cuda:N}.
 *
 * @param kind  the device family
 * @param index the device ordinal; always 0 for the CPU
 */
public record Device(Kind kind, int index) {

    /** Device families kernel-ir knows. */
    public enum Kind { CPU, CUDA }

    /** The host CPU. */
    public static final Device CPU = new Device(Kind.CPU, 0);

    public Device {
        if (index < 0 || (kind == Kind.CPU && index != 0)) {
            throw new IllegalArgumentException("invalid device index " + index + " for " + kind);
        }
    }

    /** The CUDA device with ordinal {@code index}. */
    public static Device cuda(int index) {
        return new Device(Kind.CUDA, index);
    }

    /**
     * Parses {@code "cpu"}, {@code "cuda"} (ordinal 0) or {@code "cuda:N"}.
     *
     * @throws IllegalArgumentException with the accepted forms when {@code text} is none of them
     */
    public static Device parse(String text) {
        if (text.equals("cpu")) {
            return CPU;
        }
        if (text.equals("cuda")) {
            return cuda(0);
        }
        if (text.startsWith("cuda:")) {
            try {
                return cuda(Integer.parseInt(text.substring(5)));
            } catch (NumberFormatException e) {
                // fall through to the error below
            }
        }
        throw new IllegalArgumentException("unknown device '" + text + "'; expected cpu, cuda or cuda:N");
    }

    @Override
    public String toString() {
        return kind == Kind.CPU ? "cpu" : "cuda:" + index;
    }
}
