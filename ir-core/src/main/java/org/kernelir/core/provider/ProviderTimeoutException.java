package org.kernelir.core.provider;

/**
 * A call into provider code did not return within its deadline (see {@link ProviderCalls}). The message names the
 * provider, where it came from and what it was doing; the provider is skipped, never waited for again.
 */
public final class ProviderTimeoutException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** An exception with {@code message}, which names the provider and what it was doing. */
    public ProviderTimeoutException(String message) {
        super(message, null, false, false);
    }
}
