package org.kernelir.core.meta;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where a tensor's storage lives: a device type and an ordinal, written {@code cpu}, {@code cuda:N} or
 * {@code TYPE:N} for a device type a provider's device runtime declares (for example {@code test:0}).
 *
 * <p>The set of types is open: {@code cpu} is the host and always exists; any other type exists in a process when
 * a loaded provider contributes a device runtime for it (see {@code org.kernelir.core.device.DeviceRuntime}).
 * Metadata may name a device no runtime provides (a graph written on another machine); running on it fails then.
 *
 * @param type  the device type: {@code [a-z_][a-z_0-9]*}, such as {@code cpu} or {@code cuda}
 * @param index the device ordinal; always 0 for the CPU
 */
public record Device(String type, int index) {

    /** The rule device type names follow. */
    public static final Pattern TYPE = Pattern.compile("[a-z_][a-z_0-9]*");

    /** The type of the host CPU. */
    public static final String CPU_TYPE = "cpu";

    /** The type of CUDA GPUs. */
    public static final String CUDA_TYPE = "cuda";

    /** The host CPU. */
    public static final Device CPU = new Device(CPU_TYPE, 0);

    public Device {
        Objects.requireNonNull(type, "device type");
        if (!TYPE.matcher(type).matches()) {
            throw new IllegalArgumentException("invalid device type '" + type + "': it must match " + TYPE.pattern());
        }
        if (index < 0 || (type.equals(CPU_TYPE) && index != 0)) {
            throw new IllegalArgumentException("invalid device index " + index + " for " + type);
        }
    }

    /** The CUDA device with ordinal {@code index}. */
    public static Device cuda(int index) {
        return new Device(CUDA_TYPE, index);
    }

    /** Device {@code index} of type {@code type}. */
    public static Device of(String type, int index) {
        return type.equals(CPU_TYPE) && index == 0 ? CPU : new Device(type, index);
    }

    /** Whether this is the host CPU. */
    public boolean isCpu() {
        return type.equals(CPU_TYPE);
    }

    /**
     * Parses {@code "cpu"}, {@code "TYPE"} (ordinal 0, e.g. {@code cuda}) or {@code "TYPE:N"} (e.g. {@code cuda:1},
     * {@code test:0}).
     *
     * @throws IllegalArgumentException with the accepted forms when {@code text} is none of them
     */
    public static Device parse(String text) {
        if (text.equals(CPU_TYPE)) {
            return CPU;
        }
        int colon = text.indexOf(':');
        String type = colon < 0 ? text : text.substring(0, colon);
        if (TYPE.matcher(type).matches()) {
            if (colon < 0) {
                return of(type, 0);
            }
            String n = text.substring(colon + 1);
            if (!n.isEmpty() && n.length() <= 9 && n.chars().allMatch(c -> c >= '0' && c <= '9')) {
                int index = Integer.parseInt(n);
                if (!type.equals(CPU_TYPE) || index == 0) {
                    return of(type, index);
                }
            }
        }
        throw new IllegalArgumentException("unknown device '" + text + "'; expected cpu, TYPE or TYPE:N (e.g. "
                + "cuda:0), with TYPE matching " + TYPE.pattern());
    }

    @Override
    public String toString() {
        return isCpu() ? CPU_TYPE : type + ":" + index;
    }
}
