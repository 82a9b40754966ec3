package io.fusion4j.moma;

import io.fusion4j.api.backend.Backend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Test classes that run on one CPU backend ({@link MomaFixtures#cpu()}), opened before the class's first test and
 * closed after its last. The field is shared by the subclasses, so they must not run concurrently (the build runs
 * test classes one after another).
 */
public abstract class CpuBackendTest {
    protected static Backend be;

    @BeforeAll
    public static void open() {
        be = MomaFixtures.cpu();
    }

    @AfterAll
    public static void close() {
        be.close();
    }
}
