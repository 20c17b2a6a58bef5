package com.example.acme;

import org.kernelir.core.provider.KernelProvider;
import org.kernelir.testkit.ProviderConformanceTest;

/**
 * Every implementation of the Acme provider against kernel-ir's native one (tests named {@code rms_norm@acme}),
 * plus the kit's packaging checks. This is all a provider author writes to be tested.
 */
class AcmeProviderConformanceTest extends ProviderConformanceTest {
    @Override
    protected KernelProvider provider() {
        return new AcmeProvider();
    }
}
