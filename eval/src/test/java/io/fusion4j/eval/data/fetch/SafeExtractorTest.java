package io.fusion4j.eval.data.fetch;

import static io.fusion4j.eval.data.fetch.TarWriter.Member.dir;
import static io.fusion4j.eval.data.fetch.TarWriter.Member.file;
import static io.fusion4j.eval.data.fetch.TarWriter.Member.link;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fusion4j.api.UserInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

class SafeExtractorTest {
    @TempDir
    Path dir;

    private final StringWriter log = new StringWriter();

    private SafeExtractor extractor(ExtractionLimits limits) {
        return new SafeExtractor(limits, new Progress(new PrintWriter(log, true), false, System::nanoTime));
    }

    /** Every file under {@code root} with its text, for exact comparisons. */
    static Map<String, String> tree(Path root) throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                files.put(root.relativize(p).toString().replace('\\', '/'), Files.readString(p));
            }
        }
        return files;
    }

    @Test
    void aGoodArchiveExtractsExactlyItsFiles() throws IOException {
        String longName = "package/" + "deep/".repeat(30) + "leaf.txt";
        Path tgz = TarWriter.write(dir.resolve("good.tgz"), dir("package/"), file("package/package.json", "{}"),
                file("package/data/a.txt", "alpha"), file("./package/data/empty.txt", ""), file(longName, "long"));
        Path target = dir.resolve("out");

        assertThat(extractor(ExtractionLimits.DEFAULT).extract(tgz, target)).isEqualTo(5);

        assertThat(tree(target)).isEqualTo(Map.of("package/package.json", "{}", "package/data/a.txt", "alpha",
                "package/data/empty.txt", "", longName, "long"));
        // Only the target and the archive: no temporary folder left next to it.
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString()).sorted().toList()).containsExactly("good.tgz", "out");
        }
        assertThat(log.toString()).contains("unpacking good.tgz 100% 5 entries");
    }

    static List<Object[]> unsafe() {
        return List.of(
                new Object[]{"absolute path", file("/tmp/evil.txt", "x"), "/tmp/evil.txt", "absolute path"},
                new Object[]{"dot-dot", file("package/../../evil.txt", "x"), "package/../../evil.txt", "'..'"},
                new Object[]{"symlink", link("package/link", '2', "/etc/passwd"), "package/link", "symbolic link"},
                new Object[]{"hard link", link("package/hard", '1', "/etc/passwd"), "package/hard", "hard link"},
                new Object[]{"device", link("package/dev", '3', ""), "package/dev", "device file"},
                new Object[]{"fifo", link("package/fifo", '6', ""), "package/fifo", "FIFO"},
                new Object[]{"windows path", file("C:\\evil.txt", "x"), "C:\\evil.txt", "absolute path"},
                new Object[]{"oversized entry", file("package/big.bin", "x".repeat(1001)), "package/big.bin",
                        "more than the limit of 1000 per member"});
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unsafe")
    void anUnsafeMemberIsRefusedByNameAndNothingIsWritten(String what, TarWriter.Member bad, String name, String why)
            throws IOException {
        // A good member first, so a refusal after some writing is what is tested.
        Path tgz = TarWriter.write(dir.resolve("in/bad.tgz"), file("package/ok.txt", "fine"), bad,
                file("package/after.txt", "later"));
        Path target = dir.resolve("target");

        assertThatThrownBy(() -> extractor(new ExtractionLimits(1000, 1 << 20, 100)).extract(tgz, target))
                .isInstanceOf(UserInputException.class)
                .hasMessageContaining("refused entry '" + name + "'")
                .hasMessageContaining(why);

        assertThat(target).doesNotExist();
        // Nothing anywhere under the test folder but the archive: no target, no temporary folder, no escaped file.
        try (Stream<Path> s = Files.walk(dir)) {
            assertThat(s.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()).toList())
                    .containsExactly(Path.of("in", "bad.tgz").toString());
        }
        assertThat(dir.getParent().resolve("evil.txt")).doesNotExist();
    }

    @Test
    void theTotalSizeAndEntryCountAreBounded() throws IOException {
        Path tgz = TarWriter.write(dir.resolve("many.tgz"), file("p/a", "x".repeat(600)), file("p/b", "y".repeat(600)));
        assertThatThrownBy(() -> extractor(new ExtractionLimits(1000, 1000, 100)).extract(tgz, dir.resolve("t1")))
                .hasMessageContaining("refused entry 'p/b'").hasMessageContaining("limit of 1000 bytes in all");
        assertThatThrownBy(() -> extractor(new ExtractionLimits(1000, 10_000, 1)).extract(tgz, dir.resolve("t2")))
                .hasMessageContaining("refused entry 'p/b'").hasMessageContaining("limit of 1 members");
        assertThat(dir.resolve("t1")).doesNotExist();
        assertThat(dir.resolve("t2")).doesNotExist();
    }

    @Test
    void aNameTwiceIsRefused() throws IOException {
        Path tgz = TarWriter.write(dir.resolve("twice.tgz"), file("p/a", "1"), file("p/a", "2"));
        assertThatThrownBy(() -> extractor(ExtractionLimits.DEFAULT).extract(tgz, dir.resolve("t")))
                .hasMessageContaining("refused entry 'p/a'").hasMessageContaining("appears twice");
        assertThat(dir.resolve("t")).doesNotExist();
    }

    @Test
    void aMemberUnderAFileIsRefusedByName() throws IOException {
        Path tgz = TarWriter.write(dir.resolve("under.tgz"), file("p/a", "1"), file("p/a/b", "2"));
        assertThatThrownBy(() -> extractor(ExtractionLimits.DEFAULT).extract(tgz, dir.resolve("t")))
                .hasMessageContaining("refused entry 'p/a/b'").hasMessageContaining("already used for a file");
        Path tgz2 = TarWriter.write(dir.resolve("dir-after-file.tgz"), file("p/a", "1"), dir("p/a"));
        assertThatThrownBy(() -> extractor(ExtractionLimits.DEFAULT).extract(tgz2, dir.resolve("t2")))
                .hasMessageContaining("refused entry 'p/a").hasMessageContaining("already put a file");
        assertThat(dir.resolve("t")).doesNotExist();
        assertThat(dir.resolve("t2")).doesNotExist();
    }

    @Test
    void anExistingTargetIsLeftAsItIs() throws IOException {
        Path tgz = TarWriter.write(dir.resolve("good.tgz"), file("package/a.txt", "new"));
        Path target = Files.createDirectories(dir.resolve("target"));
        Files.writeString(target.resolve("mine.txt"), "keep");

        assertThatThrownBy(() -> extractor(ExtractionLimits.DEFAULT).extract(tgz, target))
                .isInstanceOf(java.nio.file.FileAlreadyExistsException.class);
        assertThat(tree(target)).isEqualTo(Map.of("mine.txt", "keep"));
    }

    @Test
    void aTruncatedOrForeignFileIsRefused() throws IOException {
        byte[] whole = TarWriter.tgz(file("package/a.txt", "x".repeat(5000)));
        Path cut = Files.write(dir.resolve("cut.tgz"), java.util.Arrays.copyOf(whole, whole.length / 2));
        assertThatThrownBy(() -> extractor(ExtractionLimits.DEFAULT).extract(cut, dir.resolve("t1")))
                .isInstanceOf(IOException.class);
        Path text = Files.writeString(dir.resolve("text.tgz"), "not gzip");
        assertThatThrownBy(() -> extractor(ExtractionLimits.DEFAULT).extract(text, dir.resolve("t2")))
                .isInstanceOf(IOException.class);
        assertThat(dir.resolve("t1")).doesNotExist();
        assertThat(dir.resolve("t2")).doesNotExist();
    }
}
