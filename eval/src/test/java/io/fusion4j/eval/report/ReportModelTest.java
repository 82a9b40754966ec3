package io.fusion4j.eval.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import java.util.List;

class ReportModelTest {
    @Test
    void raggedTableRowsAreRefusedNamingTheRow() {
        assertThatThrownBy(() -> new Table(List.of("a", "b"), List.of(List.of("1", "2"), List.of("3")), ""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Table rows[1]").hasMessageContaining("1 cells").hasMessageContaining("header has 2");
    }

    @Test
    void chartFileNamesMustBeSimplePngNames() {
        for (String bad : List.of("../x.png", "a/b.png", "x.jpg", ".png", ".hidden.png", "a b.png", "ü.png", "")) {
            assertThatThrownBy(() -> new Chart(bad, "c", Fixture.speedups())).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Chart file '" + bad + "'");
        }
        assertThat(new Chart("loss-overall_v2.png", "c", Fixture.speedups()).file()).isEqualTo("loss-overall_v2.png");
    }

    @Test
    void heatmapDimensionsMustMatchTheLabels() {
        List<String> two = List.of("a", "b");
        assertThatThrownBy(() -> new Heatmap("h", two, two, new double[3][2], "v"))
                .hasMessageContaining("values has 3 rows").hasMessageContaining("rowLabels has 2");
        assertThatThrownBy(() -> new Heatmap("h", two, two, new double[][]{{1, 2}, {3}}, "v"))
                .hasMessageContaining("values[1] has 1 columns").hasMessageContaining("columnLabels has 2");
    }

    @Test
    void heatmapValuesAreCopied() {
        double[][] v = {{0.1, 0.2}};
        Heatmap h = new Heatmap("h", List.of("r"), List.of("a", "b"), v, "v");
        v[0][0] = 9;
        h.values()[0][1] = 9;
        assertThat(h.values()[0]).containsExactly(0.1, 0.2);
    }

    @Test
    void barSeriesMustCoverEveryCategory() {
        assertThatThrownBy(() -> new BarChart("b", "y", List.of("x", "y"), List.of(new BarSeries("s", new double[]{1}))))
                .hasMessageContaining("series 's' has 1 values").hasMessageContaining("categories has 2");
    }

    @Test
    void logXRefusesNonPositiveX() {
        List<Series> s = List.of(new Series("run", List.of(new Point(1, 2), new Point(0, 3))));
        assertThatThrownBy(() -> new LineChart("t", "x", "y", true, s))
                .hasMessageContaining("series 'run' points[1].x is 0.0");
        assertThat(new LineChart("t", "x", "y", false, s).series()).hasSize(1);
    }

    @Test
    void pointsWithoutABandHaveNaNBounds() {
        Point p = new Point(1, 2);
        assertThat(p.low()).isNaN();
        assertThat(p.high()).isNaN();
        assertThat(p.hasBand()).isFalse();
        assertThat(new Point(1, 2, 1.5, 2.5).hasBand()).isTrue();
        assertThatThrownBy(() -> new Point(1, 2, 3, 1)).hasMessageContaining("low=3.0, high=1.0");
        assertThatThrownBy(() -> new Point(1, 2, 1, Double.NaN)).hasMessageContaining("low/high");
    }
}
