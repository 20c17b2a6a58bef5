package org.kernelir.runtime.plugins;

import org.kernelir.core.op.IrOps;
import org.kernelir.core.op.NativeOps;
import org.kernelir.core.provider.Implementation;
import org.kernelir.core.provider.KernelProvider;
import org.kernelir.core.provider.ProviderContext;

/**
 * A provider on the test class path (listed in this module's test {@code META-INF/services}). Class-path
 * discovery must find it; plugin discovery must not take it for a plugin's own provider, although every plugin
 * class loader sees the service file through its parent.
 */
public final class ClasspathTestProvider implements KernelProvider {

    /** Its name. */
    public static final String NAME = "testcp";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void register(ProviderContext context) {
        context.implement(Implementation.of(IrOps.SILU_AND_MUL, NativeOps::siluAndMul));
    }
}
