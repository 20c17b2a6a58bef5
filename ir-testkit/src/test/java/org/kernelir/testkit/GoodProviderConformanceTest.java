package org.kernelir.testkit;

import org.kernelir.core.provider.KernelProvider;

/** The kit used the way a provider author uses it: a correct provider passes. */
class GoodProviderConformanceTest extends ProviderConformanceTest {
    @Override
    protected KernelProvider provider() {
        return new TestProviders.Good();
    }
}
