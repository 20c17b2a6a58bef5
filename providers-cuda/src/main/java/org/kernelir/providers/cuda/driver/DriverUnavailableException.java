package org.kernelir.providers.cuda.driver;

/** The CUDA driver library could not be loaded; the message is the reason the provider reports. */
public final class DriverUnavailableException extends RuntimeException {

    /** @param reason what the provider reports, e.g. "no CUDA driver: libcuda.so.1 could not be loaded" */
    public DriverUnavailableException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
