package org.kernelir.providers.cuda.driver;

/**
 * A CUDA driver API call that returned an error: the call, the numeric {@code CUresult}, and the driver's own name
 * and description of it ({@code cuGetErrorName}, {@code cuGetErrorString}).
 */
public final class CudaException extends RuntimeException {

    private final String call;
    private final int code;
    private final String errorName;

    /**
     * @param call        the driver function that failed, e.g. {@code cuInit}
     * @param code        its {@code CUresult}
     * @param errorName   the error's name, e.g. {@code CUDA_ERROR_NO_DEVICE}
     * @param description the driver's description of the error
     */
    public CudaException(String call, int code, String errorName, String description) {
        super(call + " failed: " + errorName + " (" + code + ")" + (description.isEmpty() ? "" : ": " + description));
        this.call = call;
        this.code = code;
        this.errorName = errorName;
    }

    /** The driver function that failed. */
    public String call() {
        return call;
    }

    /** The {@code CUresult} it returned. */
    public int code() {
        return code;
    }

    /** The error's name, e.g. {@code CUDA_ERROR_NO_DEVICE}. */
    public String errorName() {
        return errorName;
    }
}
