// SPDX-License-Identifier: GPL-2.0
//! A small JSON reader and writer for the workbench's own files
//! (report.json, verdict.json), so the tool needs no external crate. Every
//! report is built as a [`Value`] and written by [`Value::to_json`]; objects
//! keep the order their keys were given in.

use std::fmt::Write as _;

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<Value>),
    /// Keys in the order they were written or read; a key appears once.
    Obj(Vec<(String, Value)>),
}

/// An object from (key, value) pairs, in that order.
pub fn obj<K: Into<String>>(pairs: impl IntoIterator<Item = (K, Value)>) -> Value {
    Value::Obj(pairs.into_iter().map(|(k, v)| (k.into(), v)).collect())
}

/// A string value.
pub fn s(x: impl Into<String>) -> Value {
    Value::Str(x.into())
}

/// A number; NaN and infinities (no JSON form) become `null`.
pub fn num(x: f64) -> Value {
    if x.is_finite() {
        Value::Num(x)
    } else {
        Value::Null
    }
}

/// A number rounded to one decimal (durations in seconds).
pub fn num1(x: f64) -> Value {
    num((x * 10.0).round() / 10.0)
}

/// `null` or the value.
pub fn opt(x: Option<Value>) -> Value {
    x.unwrap_or(Value::Null)
}

/// A JSON string literal.
pub fn quote(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    o.push('"');
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\r' => o.push_str("\\r"),
            '\t' => o.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(o, "\\u{:04x}", c as u32);
            }
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

impl Value {
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Obj(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn num(&self) -> Option<f64> {
        match self {
            Value::Num(n) => Some(*n),
            _ => None,
        }
    }

    pub fn bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn arr(&self) -> &[Value] {
        match self {
            Value::Arr(a) => a,
            _ => &[],
        }
    }

    /// The JSON text: objects and arrays of objects one element a line at
    /// the top two levels, scalars and small containers inline; ends with
    /// a newline.
    pub fn to_json(&self) -> String {
        let mut o = String::new();
        self.write(&mut o, 0);
        o.push('\n');
        o
    }

    fn write(&self, o: &mut String, depth: usize) {
        match self {
            Value::Null => o.push_str("null"),
            Value::Bool(b) => o.push_str(if *b { "true" } else { "false" }),
            Value::Num(n) => {
                if n.fract() == 0.0 && n.abs() < 1e15 {
                    let _ = write!(o, "{}", *n as i64);
                } else {
                    let _ = write!(o, "{n}");
                }
            }
            Value::Str(x) => o.push_str(&quote(x)),
            Value::Arr(a) => {
                let multi = depth < 2 && a.iter().any(|v| matches!(v, Value::Obj(_)));
                o.push('[');
                for (i, v) in a.iter().enumerate() {
                    before_item(o, i, multi, depth);
                    v.write(o, depth + 1);
                }
                close(o, multi && !a.is_empty(), depth, ']');
            }
            Value::Obj(m) => {
                let multi = depth == 0;
                o.push('{');
                for (i, (k, v)) in m.iter().enumerate() {
                    before_item(o, i, multi, depth);
                    o.push_str(&quote(k));
                    o.push_str(": ");
                    v.write(o, depth + 1);
                }
                close(o, multi && !m.is_empty(), depth, '}');
            }
        }
    }
}

/// The separator before element `i` of a container at `depth`: one
/// element a line (indented) when `multi`, else `, ` inline.
fn before_item(o: &mut String, i: usize, multi: bool, depth: usize) {
    if i > 0 {
        o.push(',');
        if !multi {
            o.push(' ');
        }
    }
    if multi {
        o.push('\n');
        o.push_str(&"  ".repeat(depth + 1));
    }
}

/// Closes a container; on a line of its own when its elements had theirs.
fn close(o: &mut String, own_line: bool, depth: usize, ch: char) {
    if own_line {
        o.push('\n');
        o.push_str(&"  ".repeat(depth));
    }
    o.push(ch);
}

struct P<'a> {
    s: &'a [u8],
    i: usize,
}

impl P<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn err<T>(&self, what: &str) -> Result<T, String> {
        Err(format!("JSON: {what} at byte {}", self.i))
    }

    fn value(&mut self) -> Result<Value, String> {
        self.ws();
        match self.s.get(self.i) {
            None => self.err("unexpected end"),
            Some(b'{') => {
                self.i += 1;
                let mut m: Vec<(String, Value)> = Vec::new();
                self.ws();
                if self.s.get(self.i) == Some(&b'}') {
                    self.i += 1;
                    return Ok(Value::Obj(m));
                }
                loop {
                    self.ws();
                    let k = match self.value()? {
                        Value::Str(k) => k,
                        _ => return self.err("object key is not a string"),
                    };
                    self.ws();
                    if self.s.get(self.i) != Some(&b':') {
                        return self.err("expected ':'");
                    }
                    self.i += 1;
                    let v = self.value()?;
                    match m.iter_mut().find(|(x, _)| *x == k) {
                        Some(e) => e.1 = v,
                        None => m.push((k, v)),
                    }
                    self.ws();
                    match self.s.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b'}') => {
                            self.i += 1;
                            return Ok(Value::Obj(m));
                        }
                        _ => return self.err("expected ',' or '}'"),
                    }
                }
            }
            Some(b'[') => {
                self.i += 1;
                let mut a = Vec::new();
                self.ws();
                if self.s.get(self.i) == Some(&b']') {
                    self.i += 1;
                    return Ok(Value::Arr(a));
                }
                loop {
                    a.push(self.value()?);
                    self.ws();
                    match self.s.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            return Ok(Value::Arr(a));
                        }
                        _ => return self.err("expected ',' or ']'"),
                    }
                }
            }
            Some(b'"') => {
                self.i += 1;
                let mut out: Vec<u8> = Vec::new();
                loop {
                    let Some(&c) = self.s.get(self.i) else {
                        return self.err("unterminated string");
                    };
                    self.i += 1;
                    match c {
                        b'"' => break,
                        b'\\' => {
                            let Some(&e) = self.s.get(self.i) else {
                                return self.err("unterminated escape");
                            };
                            self.i += 1;
                            let ch = match e {
                                b'n' => '\n',
                                b't' => '\t',
                                b'r' => '\r',
                                b'b' => '\u{8}',
                                b'f' => '\u{c}',
                                b'/' => '/',
                                b'\\' => '\\',
                                b'"' => '"',
                                b'u' => {
                                    let hex = self
                                        .s
                                        .get(self.i..self.i + 4)
                                        .and_then(|h| std::str::from_utf8(h).ok())
                                        .and_then(|h| u32::from_str_radix(h, 16).ok());
                                    self.i += 4;
                                    hex.and_then(char::from_u32).unwrap_or('\u{fffd}')
                                }
                                _ => return self.err("bad escape"),
                            };
                            let mut b = [0u8; 4];
                            out.extend_from_slice(ch.encode_utf8(&mut b).as_bytes());
                        }
                        c => out.push(c),
                    }
                }
                Ok(Value::Str(String::from_utf8_lossy(&out).into_owned()))
            }
            Some(b't') if self.s[self.i..].starts_with(b"true") => {
                self.i += 4;
                Ok(Value::Bool(true))
            }
            Some(b'f') if self.s[self.i..].starts_with(b"false") => {
                self.i += 5;
                Ok(Value::Bool(false))
            }
            Some(b'n') if self.s[self.i..].starts_with(b"null") => {
                self.i += 4;
                Ok(Value::Null)
            }
            Some(_) => {
                let start = self.i;
                while self.i < self.s.len()
                    && matches!(
                        self.s[self.i],
                        b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'
                    )
                {
                    self.i += 1;
                }
                std::str::from_utf8(&self.s[start..self.i])
                    .ok()
                    .and_then(|t| t.parse().ok())
                    .map(Value::Num)
                    .ok_or_else(|| format!("JSON: bad value at byte {start}"))
            }
        }
    }
}

pub fn parse(text: &str) -> Result<Value, String> {
    let mut p = P {
        s: text.as_bytes(),
        i: 0,
    };
    let v = p.value()?;
    p.ws();
    if p.i != p.s.len() {
        return p.err("trailing data");
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_what_it_reads() {
        let v = obj([
            ("ok", Value::Bool(false)),
            ("name", s("a \"b\"\n\u{e9}\u{1}")),
            ("n", num(3.0)),
            ("x", num(61.25)),
            ("nan", num(f64::NAN)),
            ("t", num1(12.345)),
            ("none", opt(None)),
            (
                "cells",
                Value::Arr(vec![obj([("k", num(1.0))]), obj([("k", num(-2.0))])]),
            ),
            ("empty", Value::Arr(Vec::new())),
            ("inner", obj([("a", Value::Arr(vec![num(1.0), num(2.5)]))])),
        ]);
        let text = v.to_json();
        assert!(
            text.starts_with("{\n  \"ok\": false,\n  \"name\": "),
            "{text}"
        );
        assert!(text.contains("\"n\": 3,"), "{text}");
        assert!(text.contains("\"nan\": null,"), "{text}");
        assert!(text.contains("\"t\": 12.3,"), "{text}");
        assert!(text.contains("\"a \\\"b\\\"\\n\u{e9}\\u0001\""), "{text}");
        assert!(text.contains("\"inner\": {\"a\": [1, 2.5]}"), "{text}");
        assert!(text.ends_with("}\n"), "{text}");
        let mut back = parse(&text).unwrap();
        // NaN was written as null.
        if let Value::Obj(m) = &mut back {
            for (k, x) in m.iter_mut() {
                if k == "nan" {
                    assert_eq!(*x, Value::Null);
                    *x = num(f64::NAN);
                }
            }
        }
        assert_eq!(back.get("cells"), v.get("cells"));
        assert_eq!(back.get("name"), v.get("name"));
        assert_eq!(back.get("inner"), v.get("inner"));
        assert_eq!(back.get("empty"), v.get("empty"));
    }

    #[test]
    fn parses_what_the_workbench_writes() {
        let v = parse(
            "{\"ok\": false, \"cells\": [\n  {\"patch\": 1, \"name\": \"a \\\"b\\\"\\n\\u00e9\", \"seconds\": 61.5, \"x\": null, \"checks\": []}\n], \"d\": {}}\n",
        )
        .unwrap();
        assert_eq!(v.get("ok").and_then(Value::bool), Some(false));
        let c = &v.get("cells").unwrap().arr()[0];
        assert_eq!(c.get("patch").and_then(Value::num), Some(1.0));
        assert_eq!(c.get("name").and_then(Value::str), Some("a \"b\"\né"));
        assert_eq!(c.get("seconds").and_then(Value::num), Some(61.5));
        assert_eq!(c.get("x"), Some(&Value::Null));
        assert!(parse("{\"a\": 1,}").is_err());
        // Keys keep their order; a repeated key keeps its place, last value.
        let o = parse("{\"b\": 1, \"a\": 2, \"b\": 3}").unwrap();
        assert_eq!(o, obj([("b", num(3.0)), ("a", num(2.0))]));
        assert!(parse("[1, 2] x").is_err());
        assert!(parse("\"open").is_err());
    }
}
