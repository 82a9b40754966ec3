package io.fusion4j.eval.report;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** A report with every block and chart kind, and pixel helpers for the tests. */
final class Fixture {
    private Fixture() {
    }

    static LineChart lossCurves(boolean logX) {
        List<Series> series = new ArrayList<>();
        String[] names = {"dense", "MoMA 4t4i", "MoD 25%"};
        for (int s = 0; s < names.length; s++) {
            List<Point> pts = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                double flops = 1e12 * Math.pow(2, i);
                double y = 4.0 - 0.3 * i * (1 + 0.15 * s) + 0.02 * i * i;
                double spread = 0.05 + 0.02 * s;
                pts.add(s == 2 && i % 2 == 1 ? new Point(flops, y) : new Point(flops, y, y - spread, y + spread));
            }
            series.add(new Series(names[s], pts));
        }
        return new LineChart("Validation loss against training FLOPs", "training FLOPs", "loss (nats/token)", logX, series);
    }

    static Heatmap imageShare() {
        int layers = 4;
        int experts = 8;
        double[][] v = new double[layers][experts];
        List<String> rows = new ArrayList<>();
        List<String> cols = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            rows.add("layer " + l);
            for (int e = 0; e < experts; e++) {
                v[l][e] = Math.min(1, Math.max(0, (e + 0.5) / experts + 0.1 * Math.sin(l + e)));
            }
        }
        for (int e = 0; e < experts; e++) {
            cols.add("e" + e);
        }
        return new Heatmap("Share of image tokens per expert", rows, cols, v, "image share");
    }

    static BarChart speedups() {
        return new BarChart("Throughput by backend", "tokens / s", List.of("train", "generate", "eval"),
                List.of(new BarSeries("cpu", new double[]{1200, 3400, 5100}),
                        new BarSeries("cuda", new double[]{21000, 52000, Double.NaN})));
    }

    static Report report(Path picture) {
        return new Report("Fixture suite <smoke>", List.of(
                new Section("Summary", List.of(
                        new Paragraph("MoMA **beats** dense at equal FLOPs with `--preset smoke`; <script>alert(1)</script> & more."),
                        new Table(List.of("variant", "loss", "Δ vs dense"),
                                List.of(List.of("dense", "3.412", "0"), List.of("MoMA 4t4i", "3.198", "-0.214 ± 0.03"),
                                        List.of("a|pipe", "`x`", "<b>")),
                                "Mean over 3 seeds; **lower** is better."))),
                new Section("Scaling", List.of(
                        new Chart("loss-overall.png", "Loss against FLOPs, band = seed spread", lossCurves(true)),
                        new Chart("throughput.png", "Throughput", speedups()))),
                new Section("Routing", List.of(
                        new Paragraph("How experts split by modality (see [1], *not italic*).\n\nSecond paragraph."),
                        new Chart("image-share.png", "Image token share per layer and expert", imageShare()))),
                new Section("Samples & config", List.of(
                        new Picture(picture, "Sample grid"),
                        new Preformatted("{\n  \"preset\": \"smoke\",\n  \"html\": \"<not a tag>\"\n}\n```\n"),
                        new Preformatted("fusion4j eval --preset smoke")))));
    }

    /** A small PNG written with ImageIO: a gradient, so it has many colours. */
    static Path samplePicture(Path dir) throws IOException {
        BufferedImage img = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 48; y++) {
            for (int x = 0; x < 64; x++) {
                img.setRGB(x, y, (x * 4) << 16 | (y * 5) << 8 | 128);
            }
        }
        Path p = dir.resolve("sample grid.png");
        ImageIO.write(img, "png", p.toFile());
        return p;
    }

    static BufferedImage decode(byte[] png) {
        try {
            BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
            if (img == null) {
                throw new IllegalStateException("not an image ImageIO can read");
            }
            return img;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static BufferedImage decode(Path png) throws IOException {
        return decode(Files.readAllBytes(png));
    }

    /** Distinct colours in the middle 60% of the image (the plot area, away from titles and margins). */
    static int distinctColoursInPlotArea(BufferedImage img) {
        Set<Integer> colours = new HashSet<>();
        int w = img.getWidth();
        int h = img.getHeight();
        for (int y = h / 5; y < h * 4 / 5; y++) {
            for (int x = w / 5; x < w * 4 / 5; x++) {
                colours.add(img.getRGB(x, y) & 0xFFFFFF);
            }
        }
        return colours.size();
    }
}
