package org.kernelir.core.provider;

import java.util.Objects;

/**
 * Whether a provider or implementation can run on this machine at all (hardware, native library, driver),
 * with a human-readable reason when it cannot. This is static: it does not depend on the arguments of a call,
 * and it is not a preference switch (preference is the priority list).
 *
 * @param available whether it can run
 * @param reason    why not ("no CUDA driver: libcuda.so.1 not found"); empty when available
 */
public record Availability(boolean available, String reason) {

    /** Available. */
    public static final Availability AVAILABLE = new Availability(true, "");

    public Availability {
        Objects.requireNonNull(reason, "reason");
        if (!available && reason.isBlank()) {
            throw new IllegalArgumentException("an unavailable provider must say why");
        }
    }

    /** Unavailable, because of {@code reason}. */
    public static Availability unavailable(String reason) {
        return new Availability(false, reason);
    }

    @Override
    public String toString() {
        return available ? "available" : "unavailable: " + reason;
    }
}
