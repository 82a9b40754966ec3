package io.fusion4j.tensor.cuda;

import io.fusion4j.tck.BackendConformanceSuite;

/** The whole conformance kit on the GPU; skipped, with the probe's reason, on a machine without one. */
class CudaConformanceTest extends BackendConformanceSuite {
    @Override
    protected String providerName() {
        return "cuda";
    }

    @Override
    protected boolean skipWhenUnavailable() {
        return true;
    }
}
