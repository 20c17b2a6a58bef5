package org.kernelir.core.provider;

/** A provider was rejected at registration; the message names the provider, its source and the problem. */
public final class ProviderRegistrationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ProviderRegistrationException(String message) {
        super(message);
    }

    public ProviderRegistrationException(String message, Throwable cause) {
        super(message, cause);
    }
}
