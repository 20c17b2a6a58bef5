package org.kernelir.core.provider;

/**
 * The service a provider JAR implements: a named set of IR op implementations and kernel ops.
 *
 * <p>This is the whole SPI. A provider needs no other framework type: on the class path it is found with
 * {@link java.util.ServiceLoader} (list the class in
 * {@code META-INF/services/org.kernelir.core.provider.KernelProvider}); dropped into the {@code plugins/}
 * folder the plugin host loads the same JAR in its own class loader.
 *
 * <pre>{@code
 * public final class MyProvider implements KernelProvider {
 *     public String name() { return "my"; }
 *     public void register(ProviderContext ctx) {
 *         ctx.implement(Implementation.of(IrOps.RMS_NORM, MyKernels::rmsNorm)
 *                 .supports(a -> a.meta(0).dtype() == DType.F32 && a.isNull(3)));
 *     }
 * }
 * }</pre>
 *
 * <p>A provider must be cheap to construct; heavy set-up belongs in {@link #availability()} or lazily in the
 * kernels. Neither method may assume it runs only once per process.
 */
public interface KernelProvider {

    /**
     * The provider's name: {@code [a-z_][a-z_0-9]*}, unique among loaded providers, not {@code native} or
     * {@code unfused}. It is the name priority lists use and the namespace of its kernel ops.
     */
    String name();

    /** Whether the provider can run here at all; the default is available. */
    default Availability availability() {
        return Availability.AVAILABLE;
    }

    /** Declares the provider's implementations and kernel ops. */
    void register(ProviderContext context);
}
