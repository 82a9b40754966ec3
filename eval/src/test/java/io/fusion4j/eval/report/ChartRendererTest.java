package io.fusion4j.eval.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.util.List;

class ChartRendererTest {
    @Test
    void logXLineChartWithBandsRendersAtTheAskedSize() {
        byte[] png = ChartRenderer.png(Fixture.lossCurves(true), 800, 500);
        BufferedImage img = Fixture.decode(png);
        assertThat(img.getWidth()).isEqualTo(800);
        assertThat(img.getHeight()).isEqualTo(500);
        assertThat(Fixture.distinctColoursInPlotArea(img)).isGreaterThan(50);
        assertThat(img.getRGB(0, 0) & 0xFFFFFF).as("white background").isEqualTo(0xFFFFFF);
        assertThat(png.length).isBetween(5_000, 120_000);
    }

    @Test
    void bandsAddTranslucentColour() {
        LineChart withBands = Fixture.lossCurves(false);
        List<Series> bare = withBands.series().stream()
                .map(s -> new Series(s.name(), s.points().stream().map(p -> new Point(p.x(), p.y())).toList())).toList();
        LineChart without = new LineChart(withBands.title(), withBands.xLabel(), withBands.yLabel(), false, bare);
        long tintedWith = tinted(Fixture.decode(ChartRenderer.png(withBands)));
        long tintedWithout = tinted(Fixture.decode(ChartRenderer.png(without)));
        assertThat(tintedWith).isGreaterThan(tintedWithout + 5_000);
    }

    /** Pale, non-grey pixels: a translucent band over white. */
    private static long tinted(BufferedImage img) {
        long n = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y);
                int r = rgb >> 16 & 255;
                int g = rgb >> 8 & 255;
                int b = rgb & 255;
                int max = Math.max(r, Math.max(g, b));
                int min = Math.min(r, Math.min(g, b));
                if (min > 150 && max - min > 15) {
                    n++;
                }
            }
        }
        return n;
    }

    @Test
    void heatmapAndBarChartRender() {
        for (ChartSpec spec : List.<ChartSpec>of(Fixture.imageShare(), Fixture.speedups())) {
            BufferedImage img = Fixture.decode(ChartRenderer.png(spec));
            assertThat(img.getWidth()).isEqualTo(720);
            assertThat(img.getHeight()).isEqualTo(440);
            assertThat(Fixture.distinctColoursInPlotArea(img)).as(spec.title()).isGreaterThan(20);
        }
    }

    @Test
    void largeHeatmapsRenderWithoutCellValues() {
        int n = 32;
        double[][] v = new double[n][n];
        List<String> labels = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            labels.add(Integer.toString(i));
            for (int j = 0; j < n; j++) {
                v[i][j] = (i * n + j) / (double) (n * n);
            }
        }
        BufferedImage img = Fixture.decode(ChartRenderer.png(new Heatmap("big", labels, labels, v, "share")));
        assertThat(Fixture.distinctColoursInPlotArea(img)).isGreaterThan(50);
    }

    @Test
    void emptyChartsStillRender() {
        BufferedImage img = Fixture.decode(ChartRenderer.png(new LineChart("nothing yet", "x", "y", true, List.of())));
        assertThat(img.getWidth()).isEqualTo(720);
    }

    @Test
    void badSizesAreRefused() {
        assertThatThrownBy(() -> ChartRenderer.png(Fixture.speedups(), 10, 440)).hasMessageContaining("width=10");
    }
}
