package io.fusion4j.tensor.cpu;

import io.fusion4j.tck.BackendConformanceSuite;

/** The CPU backend passes the whole conformance kit with its default thread count. */
class CpuConformanceTest extends BackendConformanceSuite {
    @Override
    protected String providerName() {
        return "cpu";
    }
}
