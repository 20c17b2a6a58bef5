package org.kernelir.bench.plugin;

import org.kernelir.core.op.IrOps;
import org.kernelir.core.provider.Implementation;
import org.kernelir.core.provider.KernelProvider;
import org.kernelir.core.provider.ProviderContext;

/** A minimal provider that the plugin-loading benchmark packs into a plugin JAR of its own. */
public final class EchoProvider implements KernelProvider {

    @Override
    public String name() {
        return "echo";
    }

    @Override
    public void register(ProviderContext ctx) {
        ctx.implement(Implementation.of(IrOps.SILU_AND_MUL, (IrOps.SiluAndMul) x -> x.cloneTensor())
                .supports(a -> false));
    }
}
