package io.fusion4j.eval.report;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYTextAnnotation;
import org.jfree.chart.axis.AxisLocation;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.block.BlockBorder;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.PaintScale;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.DeviationRenderer;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.DefaultXYZDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.Paint;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;

/**
 * Draws a {@link ChartSpec} to PNG bytes with JFreeChart: white background, anti-aliased, sans-serif text sized to be
 * read at 100%. Headless: {@code java.awt.headless} is set to true unless the JVM was started with a value.
 */
public final class ChartRenderer {
    public static final int DEFAULT_WIDTH = 720;
    public static final int DEFAULT_HEIGHT = 440;
    private static final int MAX_SIDE = 4096;
    private static final int MAX_CELLS_WITH_VALUES = 16;

    /** Colour-blind-friendly (Okabe–Ito), darker first. */
    private static final Color[] PALETTE = {
            new Color(0x0072B2), new Color(0xD55E00), new Color(0x009E73), new Color(0xCC79A7),
            new Color(0xE69F00), new Color(0x56B4E9), new Color(0x000000), new Color(0xF0E442)};
    private static final Color GRID = new Color(0xDDDDDD);
    private static final Color TEXT = new Color(0x222222);
    private static final Font TITLE_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 16);
    private static final Font LABEL_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
    private static final Font TICK_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    private static final Font CELL_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 11);

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private ChartRenderer() {
    }

    /** {@link #png(ChartSpec, int, int)} at 720×440. */
    public static byte[] png(ChartSpec spec) {
        return png(spec, DEFAULT_WIDTH, DEFAULT_HEIGHT);
    }

    /** The chart as PNG bytes of exactly {@code width}×{@code height} pixels (each 100 to 4096). */
    public static byte[] png(ChartSpec spec, int width, int height) {
        java.util.Objects.requireNonNull(spec, "spec");
        if (width < 100 || width > MAX_SIDE || height < 100 || height > MAX_SIDE) {
            throw new IllegalArgumentException("Chart width and height must be within 100.." + MAX_SIDE + ", found width=" + width
                    + ", height=" + height);
        }
        JFreeChart chart = switch (spec) {
            case LineChart l -> line(l);
            case Heatmap h -> heatmap(h);
            case BarChart b -> bar(b);
        };
        style(chart);
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            chart.draw(g, new Rectangle2D.Double(0, 0, width, height));
        } finally {
            g.dispose();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 << 10);
        try {
            if (!ImageIO.write(image, "png", out)) {
                throw new IllegalStateException("no PNG writer in this runtime (javax.imageio)");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static JFreeChart line(LineChart spec) {
        XYSeriesCollection lines = new XYSeriesCollection();
        YIntervalSeriesCollection bands = new YIntervalSeriesCollection();
        List<Series> series = spec.series();
        for (int i = 0; i < series.size(); i++) {
            Series s = series.get(i);
            // Series keys must be unique in a collection; the index keeps two series of one name apart.
            XYSeries line = new XYSeries(new SeriesKey(i, s.name()), true, true);
            YIntervalSeries band = new YIntervalSeries(new SeriesKey(i, s.name()), true, true);
            for (Point p : s.points()) {
                line.add(p.x(), p.y());
                if (p.hasBand()) {
                    band.add(p.x(), p.y(), p.low(), p.high());
                }
            }
            lines.addSeries(line);
            bands.addSeries(band);
        }
        ValueAxis x;
        if (spec.logX()) {
            LogAxis log = new LogAxis(spec.xLabel());
            log.setBase(10);
            log.setSmallestValue(1e-300);
            // A log axis's tick unit counts decades: whole ones only, so ticks read 1E12, 1E13, never 3.162E12.
            org.jfree.chart.axis.TickUnits decades = new org.jfree.chart.axis.TickUnits();
            for (int d : new int[]{1, 2, 5, 10, 20, 50, 100}) {
                decades.add(new org.jfree.chart.axis.NumberTickUnit(d));
            }
            log.setStandardTickUnits(decades);
            log.setNumberFormatOverride(new java.text.DecimalFormat("0.###E0", java.text.DecimalFormatSymbols.getInstance(Locale.ROOT)));
            x = log;
        } else {
            NumberAxis n = new NumberAxis(spec.xLabel());
            n.setAutoRangeIncludesZero(false);
            x = n;
        }
        NumberAxis y = new NumberAxis(spec.yLabel());
        y.setAutoRangeIncludesZero(false);

        XYLineAndShapeRenderer lineRenderer = new XYLineAndShapeRenderer(true, true);
        DeviationRenderer bandRenderer = new DeviationRenderer(false, false);
        bandRenderer.setAlpha(0.18f);
        bandRenderer.setDefaultSeriesVisibleInLegend(false);
        for (int i = 0; i < series.size(); i++) {
            Color c = PALETTE[i % PALETTE.length];
            lineRenderer.setSeriesPaint(i, c);
            lineRenderer.setSeriesStroke(i, new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            lineRenderer.setSeriesShape(i, new Ellipse2D.Double(-3.5, -3.5, 7, 7));
            bandRenderer.setSeriesFillPaint(i, c);
            bandRenderer.setSeriesPaint(i, c);
        }
        XYPlot plot = new XYPlot(lines, x, y, lineRenderer);
        // Default rendering order is REVERSE: dataset 1 (the bands) is drawn first, the lines over it.
        plot.setDataset(1, bands);
        plot.setRenderer(1, bandRenderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(GRID);
        plot.setRangeGridlinePaint(GRID);
        return new JFreeChart(spec.title(), TITLE_FONT, plot, !series.isEmpty());
    }

    private static JFreeChart heatmap(Heatmap spec) {
        double[][] values = spec.values();
        int rows = values.length;
        int cols = spec.columnLabels().size();
        double lo = 0;
        double hi = 1;
        for (double[] row : values) {
            for (double v : row) {
                if (!Double.isNaN(v)) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        int n = rows * cols;
        double[] xs = new double[n];
        double[] ys = new double[n];
        double[] zs = new double[n];
        int k = 0;
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                xs[k] = c;
                ys[k] = r;
                zs[k] = values[r][c];
                k++;
            }
        }
        DefaultXYZDataset data = new DefaultXYZDataset();
        data.addSeries(spec.valueLabel(), new double[][]{xs, ys, zs});

        SymbolAxis x = new SymbolAxis(null, spec.columnLabels().toArray(String[]::new));
        SymbolAxis y = new SymbolAxis(null, spec.rowLabels().toArray(String[]::new));
        x.setGridBandsVisible(false);
        y.setGridBandsVisible(false);
        y.setInverted(true); // row 0 on top, as in a table
        x.setRange(-0.5, cols - 0.5);
        y.setRange(-0.5, rows - 0.5);
        if (cols > 8) {
            x.setVerticalTickLabels(true);
        }
        Scale scale = new Scale(lo, hi);
        XYBlockRenderer renderer = new XYBlockRenderer();
        renderer.setPaintScale(scale);
        XYPlot plot = new XYPlot(data, x, y, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinesVisible(false);
        plot.setRangeGridlinesVisible(false);
        plot.setOutlineVisible(false);
        if (rows <= MAX_CELLS_WITH_VALUES && cols <= MAX_CELLS_WITH_VALUES) {
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    double v = values[r][c];
                    if (Double.isNaN(v)) {
                        continue;
                    }
                    XYTextAnnotation a = new XYTextAnnotation(cellText(v), c, r);
                    a.setFont(CELL_FONT);
                    a.setTextAnchor(TextAnchor.CENTER);
                    a.setPaint(scale.light(v) ? TEXT : Color.WHITE);
                    plot.addAnnotation(a);
                }
            }
        }
        JFreeChart chart = new JFreeChart(spec.title(), TITLE_FONT, plot, false);
        NumberAxis legendAxis = new NumberAxis(spec.valueLabel());
        legendAxis.setRange(lo, hi);
        legendAxis.setTickUnit(new org.jfree.chart.axis.NumberTickUnit(niceStep((hi - lo) / 5)));
        legendAxis.setLabelFont(LABEL_FONT);
        legendAxis.setTickLabelFont(TICK_FONT);
        PaintScaleLegend legend = new PaintScaleLegend(scale, legendAxis);
        legend.setPosition(RectangleEdge.RIGHT);
        legend.setAxisLocation(AxisLocation.BOTTOM_OR_RIGHT);
        legend.setStripWidth(14);
        legend.setSubdivisionCount(128);
        legend.setMargin(new RectangleInsets(10, 10, 10, 10));
        legend.setBackgroundPaint(Color.WHITE);
        chart.addSubtitle(legend);
        return chart;
    }

    /** The 1, 2 or 5 times a power of ten nearest above {@code rough}: a legend of about five ticks. */
    private static double niceStep(double rough) {
        double p = Math.pow(10, Math.floor(Math.log10(rough)));
        for (double m : new double[]{1, 2, 5}) {
            if (m * p >= rough) {
                return m * p;
            }
        }
        return 10 * p;
    }

    private static String cellText(double v) {
        return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.2f", v);
    }

    private static JFreeChart bar(BarChart spec) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        List<BarSeries> series = spec.series();
        for (int i = 0; i < series.size(); i++) {
            double[] v = series.get(i).values();
            for (int c = 0; c < v.length; c++) {
                data.addValue(Double.isNaN(v[c]) ? null : v[c], new SeriesKey(i, series.get(i).name()), spec.categories().get(c));
            }
        }
        JFreeChart chart = ChartFactory.createBarChart(spec.title(), null, spec.yLabel(), data, PlotOrientation.VERTICAL,
                series.size() > 1, false, false);
        CategoryPlot plot = chart.getCategoryPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(GRID);
        BarRenderer r = (BarRenderer) plot.getRenderer();
        r.setBarPainter(new StandardBarPainter());
        r.setShadowVisible(false);
        r.setItemMargin(0.05);
        for (int i = 0; i < series.size(); i++) {
            r.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
        }
        CategoryAxis x = plot.getDomainAxis();
        x.setCategoryMargin(0.2);
        if (spec.categories().size() > 8) {
            x.setCategoryLabelPositions(org.jfree.chart.axis.CategoryLabelPositions.UP_45);
        }
        return chart;
    }

    /** Fonts, colours and legend shared by every kind. */
    private static void style(JFreeChart chart) {
        chart.setAntiAlias(true);
        chart.setTextAntiAlias(true);
        chart.setBackgroundPaint(Color.WHITE);
        chart.setPadding(new RectangleInsets(8, 8, 8, 12));
        TextTitle title = chart.getTitle();
        if (title != null) {
            title.setFont(TITLE_FONT);
            title.setPaint(TEXT);
        }
        LegendTitle legend = chart.getLegend();
        if (legend != null) {
            legend.setItemFont(LABEL_FONT);
            legend.setFrame(BlockBorder.NONE);
            legend.setBackgroundPaint(Color.WHITE);
        }
        if (chart.getPlot() instanceof XYPlot p) {
            axis(p.getDomainAxis());
            axis(p.getRangeAxis());
        } else if (chart.getPlot() instanceof CategoryPlot p) {
            p.getDomainAxis().setLabelFont(LABEL_FONT);
            p.getDomainAxis().setTickLabelFont(TICK_FONT);
            p.getDomainAxis().setTickLabelPaint(TEXT);
            axis(p.getRangeAxis());
        }
    }

    private static void axis(ValueAxis a) {
        a.setLabelFont(LABEL_FONT);
        a.setLabelPaint(TEXT);
        a.setTickLabelFont(TICK_FONT);
        a.setTickLabelPaint(TEXT);
    }

    /** A legend key that shows the name but keeps two series of one name distinct. */
    private record SeriesKey(int index, String name) implements Comparable<SeriesKey> {
        @Override
        public String toString() {
            return name;
        }

        @Override
        public int compareTo(SeriesKey o) {
            return Integer.compare(index, o.index);
        }
    }

    /** A perceptual light-to-dark blue scale (viridis-like stops would do as well); NaN is drawn white. */
    private record Scale(double lower, double upper) implements PaintScale {
        private static final Color[] STOPS = {
                new Color(0xF7FBFF), new Color(0xC6DBEF), new Color(0x6BAED6), new Color(0x2171B5), new Color(0x08306B)};

        @Override
        public double getLowerBound() {
            return lower;
        }

        @Override
        public double getUpperBound() {
            return upper;
        }

        @Override
        public Paint getPaint(double value) {
            if (Double.isNaN(value)) {
                return Color.WHITE;
            }
            double t = fraction(value) * (STOPS.length - 1);
            int i = Math.min(STOPS.length - 2, (int) Math.floor(t));
            double f = t - i;
            Color a = STOPS[i];
            Color b = STOPS[i + 1];
            return new Color(mix(a.getRed(), b.getRed(), f), mix(a.getGreen(), b.getGreen(), f), mix(a.getBlue(), b.getBlue(), f));
        }

        boolean light(double value) {
            return fraction(value) < 0.55;
        }

        private double fraction(double value) {
            double span = upper - lower;
            return span <= 0 ? 0 : Math.max(0, Math.min(1, (value - lower) / span));
        }

        private static int mix(int a, int b, double f) {
            return (int) Math.round(a + (b - a) * f);
        }
    }
}
