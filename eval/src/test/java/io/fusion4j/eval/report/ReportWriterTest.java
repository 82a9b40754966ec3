package io.fusion4j.eval.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.GraphicsEnvironment;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

class ReportWriterTest {
    private static final Pattern DATA_URI = Pattern.compile("src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"");
    private static final Pattern SRC_OR_HREF = Pattern.compile("(?:src|href)\\s*=\\s*[\"']?([^\"'\\s>]*)", Pattern.CASE_INSENSITIVE);

    @Test
    void testsRunHeadless() {
        assertThat(GraphicsEnvironment.isHeadless()).isTrue();
        assertThat(System.getProperty("java.awt.headless")).isEqualTo("true");
    }

    @Test
    void writesMarkdownHtmlAndPlotsForEveryBlockKind(@TempDir Path tmp) throws Exception {
        Path picture = Fixture.samplePicture(Files.createDirectories(tmp.resolve("in")));
        Path out = tmp.resolve("out");
        Written w = ReportWriter.write(Fixture.report(picture), out);

        assertThat(w.markdown()).isEqualTo(out.resolve("report.md")).isRegularFile();
        assertThat(w.html()).isEqualTo(out.resolve("report.html")).isRegularFile();
        String md = Files.readString(w.markdown());
        assertThat(md).startsWith("# Fixture suite &lt;smoke&gt;\n")
                .contains("\n## Summary\n", "\n## Scaling\n", "\n## Routing\n", "\n## Samples & config\n")
                .contains("| variant | loss | Δ vs dense |\n| --- | --- | --- |\n")
                .contains("| MoMA 4t4i | 3.198 | -0.214 ± 0.03 |")
                .contains("| a\\|pipe | `x` | &lt;b&gt; |")
                .contains("*Mean over 3 seeds; **lower** is better.*")
                .contains("![Loss against FLOPs, band = seed spread](plots/loss-overall.png)")
                .contains("![Throughput](plots/throughput.png)")
                .contains("![Image token share per layer and expert](plots/image-share.png)")
                .contains("![Sample grid](plots/sample-grid.png)")
                .contains("MoMA **beats** dense at equal FLOPs with `--preset smoke`; &lt;script&gt;")
                .contains("How experts split by modality (see \\[1\\], \\*not italic\\*).\n\nSecond paragraph.\n")
                // the config holds ``` so its fence is longer
                .contains("````\n{\n  \"preset\": \"smoke\",")
                .contains("```\nfusion4j eval --preset smoke\n```\n");

        List<String> files = List.of("loss-overall.png", "throughput.png", "image-share.png", "sample-grid.png");
        assertThat(w.plots()).containsExactlyElementsOf(files.stream().map(f -> out.resolve("plots").resolve(f)).toList());
        for (Path p : w.plots().subList(0, 3)) {
            BufferedImage img = Fixture.decode(p);
            assertThat(img.getWidth()).as(p.toString()).isEqualTo(720);
            assertThat(img.getHeight()).as(p.toString()).isEqualTo(440);
            assertThat(Fixture.distinctColoursInPlotArea(img)).as(p + " colours").isGreaterThan(20);
            assertThat(Files.size(p)).as(p + " bytes").isLessThan(120_000);
        }
        assertThat(Files.readAllBytes(w.plots().get(3))).isEqualTo(Files.readAllBytes(picture));
        try (Stream<Path> left = Files.list(out); Stream<Path> leftPlots = Files.list(out.resolve("plots"))) {
            assertThat(Stream.concat(left, leftPlots).map(p -> p.getFileName().toString()))
                    .as("no temporary files left").noneMatch(n -> n.endsWith(".tmp"));
        }

        String html = Files.readString(w.html(), StandardCharsets.UTF_8);
        List<byte[]> embedded = new ArrayList<>();
        Matcher m = DATA_URI.matcher(html);
        while (m.find()) {
            embedded.add(Base64.getDecoder().decode(m.group(1)));
        }
        assertThat(html.split("data:image/png;base64,", -1)).hasSize(5);
        assertThat(embedded).hasSize(4);
        for (int i = 0; i < 4; i++) {
            assertThat(embedded.get(i)).as(files.get(i)).isEqualTo(Files.readAllBytes(w.plots().get(i)));
        }
        Matcher links = SRC_OR_HREF.matcher(html);
        List<String> targets = new ArrayList<>();
        while (links.find()) {
            targets.add(links.group(1));
        }
        assertThat(targets).hasSize(8) // 4 images + 4 contents links
                .allMatch(t -> t.startsWith("data:image/png;base64,") || t.startsWith("#section-"));
        assertThat(html.toLowerCase()).doesNotContain("http://", "https://", "<script", "<link", "@import", "url(");
        assertThat(html).contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; more.")
                .contains("<strong>beats</strong>", "<code>--preset smoke</code>")
                .contains("<a href=\"#section-4\">Samples &amp; config</a>", "<section id=\"section-4\">")
                .contains("<th>Δ vs dense</th>", "<td>MoMA 4t4i</td>", "<td class=\"num\">3.198</td>", "<td>&lt;b&gt;</td>")
                .contains("<caption>Mean over 3 seeds; <strong>lower</strong> is better.</caption>")
                .contains("&quot;html&quot;: &quot;&lt;not a tag&gt;&quot;")
                .contains("<title>Fixture suite &lt;smoke&gt;</title>");

        Path keep = Path.of(System.getProperty("fusion4j.test.reportFixture", ""));
        if (!keep.toString().isEmpty()) { // -Dtest.jvm.extra=-Dfusion4j.test.reportFixture=/tmp/report-fixture
            ReportWriter.write(Fixture.report(picture), keep);
        }
    }

    @Test
    void testsCanDrawPlots() {
        assertThat(Plotting.available()).as("the tests add JFreeChart and java.desktop to the module graph").isTrue();
    }

    @Test
    void withoutPlottingEachChartBecomesANoteAndPicturesStay(@TempDir Path tmp) throws Exception {
        Path picture = Fixture.samplePicture(Files.createDirectories(tmp.resolve("in")));
        Report r = new Report("no plots", List.of(new Section("S", List.of(
                new Chart("speedups.png", "Speed-ups over dense", Fixture.speedups()),
                new Picture(picture, "a sample grid")))));
        Written w = ReportWriter.write(r, tmp.resolve("out"), false);
        assertThat(w.plots()).extracting(p -> p.getFileName().toString()).containsExactly("sample-grid.png");
        assertThat(tmp.resolve("out/plots/speedups.png")).doesNotExist();
        String md = Files.readString(w.markdown());
        assertThat(md).contains("Speed-ups over dense — plot not drawn").contains("fusion4j report --out DIR")
                .doesNotContain("plots/speedups.png").contains("plots/sample-grid.png");
        String html = Files.readString(w.html());
        assertThat(html).contains("<p class=\"missing\">Speed-ups over dense — plot not drawn")
                .containsOnlyOnce("data:image/png;base64,");
    }

    @Test
    void rewritingReplacesTheReport(@TempDir Path tmp) throws Exception {
        Report first = new Report("one", List.of(new Section("A", List.of(new Paragraph("first")))));
        Report second = new Report("two", List.of(new Section("B", List.of(new Paragraph("second")))));
        ReportWriter.write(first, tmp);
        Written w = ReportWriter.write(second, tmp);
        assertThat(Files.readString(w.markdown())).contains("second").doesNotContain("first");
        assertThat(Files.readString(w.html())).contains("second").doesNotContain("first");
        assertThat(w.plots()).isEmpty();
    }

    @Test
    void aMissingOrNonPngPictureIsRefusedBeforeAnythingIsWritten(@TempDir Path tmp) throws Exception {
        Path notPng = Files.writeString(tmp.resolve("grid.png"), "not a png");
        Path out = tmp.resolve("out");
        Report r = new Report("r", List.of(new Section("S", List.of(
                new Chart("a.png", "a", Fixture.speedups()), new Picture(notPng, "grid")))));
        assertThatThrownBy(() -> ReportWriter.write(r, out)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Picture source").hasMessageContaining("grid.png").hasMessageContaining("not a PNG");
        assertThat(out).doesNotExist();

        Report missing = new Report("r", List.of(new Section("S", List.of(new Picture(tmp.resolve("nope.png"), "x")))));
        assertThatThrownBy(() -> ReportWriter.write(missing, out)).hasMessageContaining("Picture source")
                .hasMessageContaining("nope.png");
    }

    @Test
    void twoChartsWithOneFileAreRefused(@TempDir Path tmp) {
        Report r = new Report("r", List.of(new Section("S", List.of(
                new Chart("a.png", "a", Fixture.speedups()), new Chart("A.png", "b", Fixture.speedups())))));
        assertThatThrownBy(() -> ReportWriter.write(r, tmp)).hasMessageContaining("Chart file 'A.png'");
    }

    @Test
    void picturesWithOneNameAreKeptApart(@TempDir Path tmp) throws Exception {
        Path a = Fixture.samplePicture(Files.createDirectories(tmp.resolve("a")));
        Path b = Fixture.samplePicture(Files.createDirectories(tmp.resolve("b")));
        Report r = new Report("r", List.of(new Section("S", List.of(
                new Chart("sample-grid.png", "chart", Fixture.speedups()), new Picture(a, "a"), new Picture(b, "b")))));
        Written w = ReportWriter.write(r, tmp.resolve("out"));
        assertThat(w.plots()).extracting(p -> p.getFileName().toString())
                .containsExactly("sample-grid.png", "sample-grid-2.png", "sample-grid-3.png");
    }

    @Test
    void markdownLiteKeepsUnmatchedMarkersAsText() {
        assertThat(ReportWriter.htmlInline("a ** b and `c")).isEqualTo("a ** b and `c");
        assertThat(ReportWriter.htmlInline("**`x`** y")).isEqualTo("<code>x</code> y");
        assertThat(ReportWriter.htmlInline("`**not bold**` **bold <i>**"))
                .isEqualTo("<code>**not bold**</code> <strong>bold &lt;i&gt;</strong>");
    }
}
