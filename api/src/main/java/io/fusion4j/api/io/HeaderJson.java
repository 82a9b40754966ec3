package io.fusion4j.api.io;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict parser for the small JSON subset a safetensors header uses: objects, arrays, strings,
 * non-negative integers. It rejects duplicate keys, trailing garbage and anything else, and reports
 * the byte position of every error (relative to the file, via {@code base}).
 */
final class HeaderJson {
    /** Deeper nesting than any file of ours has is an error, not a stack overflow. */
    static final int MAX_DEPTH = 32;
    private final String s;
    private final long base;
    private final String source;
    private int i;
    private int depth;

    private HeaderJson(String s, long base, String source) {
        this.s = s;
        this.base = base;
        this.source = source;
    }

    /** Parses a safetensors header whose first character sits at file offset {@code base}. */
    static Map<String, Object> parseObject(String text, long base) {
        return parseObject(text, base, "header JSON");
    }

    /**
     * Parses the JSON object {@code text} whose first character sits at byte {@code base} of the file; errors start
     * with {@code source} (the file's name) and give the byte position.
     */
    static Map<String, Object> parseObject(String text, long base, String source) {
        HeaderJson p = new HeaderJson(text, base, source);
        p.ws();
        Map<String, Object> m = p.object();
        p.ws();
        if (p.i != text.length()) {
            throw p.error("trailing characters after the header object");
        }
        return m;
    }

    private SafetensorsException error(String what) {
        return new SafetensorsException(source + " at byte " + (base + i) + ": " + what);
    }

    private void ws() {
        while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\n' || s.charAt(i) == '\r' || s.charAt(i) == '\t')) {
            i++;
        }
    }

    private void expect(char c) {
        if (i >= s.length() || s.charAt(i) != c) {
            throw error("expected '" + c + "', found " + (i < s.length() ? "'" + s.charAt(i) + "'" : "the end"));
        }
        i++;
    }

    private Object value() {
        ws();
        if (i >= s.length()) {
            throw error("expected a value, found the end");
        }
        char c = s.charAt(i);
        if (c == '{') {
            return object();
        }
        if (c == '[') {
            return array();
        }
        if (c == '"') {
            return string();
        }
        if (c >= '0' && c <= '9') {
            return number();
        }
        throw error("expected an object, array, string or non-negative integer, found '" + c + "'");
    }

    private void enter() {
        if (++depth > MAX_DEPTH) {
            throw error("nested deeper than " + MAX_DEPTH + " levels");
        }
    }

    private Map<String, Object> object() {
        enter();
        expect('{');
        Map<String, Object> m = new LinkedHashMap<>();
        ws();
        if (i < s.length() && s.charAt(i) == '}') {
            i++;
            depth--;
            return m;
        }
        while (true) {
            ws();
            int at = i;
            String key = string();
            ws();
            expect(':');
            Object v = value();
            if (m.putIfAbsent(key, v) != null) {
                i = at;
                throw error("duplicate key \"" + key + "\"");
            }
            ws();
            if (i < s.length() && s.charAt(i) == ',') {
                i++;
                continue;
            }
            expect('}');
            depth--;
            return m;
        }
    }

    private List<Object> array() {
        enter();
        expect('[');
        List<Object> a = new ArrayList<>();
        ws();
        if (i < s.length() && s.charAt(i) == ']') {
            i++;
            depth--;
            return a;
        }
        while (true) {
            a.add(value());
            ws();
            if (i < s.length() && s.charAt(i) == ',') {
                i++;
                continue;
            }
            expect(']');
            depth--;
            return a;
        }
    }

    private String string() {
        expect('"');
        StringBuilder b = new StringBuilder();
        while (true) {
            if (i >= s.length()) {
                throw error("unterminated string");
            }
            char c = s.charAt(i++);
            if (c == '"') {
                return b.toString();
            }
            if (c == '\\') {
                if (i >= s.length()) {
                    throw error("unterminated escape");
                }
                char e = s.charAt(i++);
                switch (e) {
                    case '"', '\\', '/' -> b.append(e);
                    case 'n' -> b.append('\n');
                    case 't' -> b.append('\t');
                    case 'r' -> b.append('\r');
                    case 'b' -> b.append('\b');
                    case 'f' -> b.append('\f');
                    case 'u' -> {
                        if (i + 4 > s.length()) {
                            throw error("short \\u escape");
                        }
                        try {
                            b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                        } catch (NumberFormatException ex) {
                            throw error("bad \\u escape");
                        }
                        i += 4;
                    }
                    default -> throw error("bad escape \\" + e);
                }
            } else if (c < 0x20) {
                throw error("control character in a string");
            } else {
                b.append(c);
            }
        }
    }

    private Long number() {
        int start = i;
        while (i < s.length() && Character.isDigit(s.charAt(i))) {
            i++;
        }
        if (i < s.length() && (s.charAt(i) == '.' || s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
            throw error("only non-negative integers are allowed");
        }
        try {
            return Long.parseLong(s.substring(start, i));
        } catch (NumberFormatException e) {
            i = start;
            throw error("integer out of range");
        }
    }

    /** Serialises a string as a JSON string literal. */
    static String quote(String v) {
        StringBuilder b = new StringBuilder("\"");
        for (int k = 0; k < v.length(); k++) {
            char c = v.charAt(k);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
