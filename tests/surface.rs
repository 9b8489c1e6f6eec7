//! Snapshots of what each section's generated client offers a caller: one
//! line per operation (method, path, name, parameters, success type), then
//! the section's types with their fields or variants.
//!
//! The generated code itself lives in `OUT_DIR` and is never reviewed, so a
//! change to a spec in `openapi/` (or to the generator) would otherwise reach
//! users unseen. Here it shows up as a small, reviewable diff of
//! `tests/snapshots/surface__<section>.snap`. Review the diff with
//! `cargo insta review`, or accept it with
//! `INSTA_UPDATE=always cargo test --test surface`.
//!
//! Notation: parameters are the builder's setters with the type the caller
//! passes (`Option<_>` when the setter may be skipped); `[no token]` marks an
//! operation the spec sends without a token; `| error E` appears only when a
//! documented error body is typed; `// "Name"` is a field's wire name when it
//! differs from the Rust one.
//!
//! This is not a check of the generated code's behaviour; the sandbox tests
//! do that. Doc comments, derives and the spec's version are left out on
//! purpose, so that only what a caller would notice changes the snapshot.

#![cfg(any(
    feature = "workflow",
    feature = "auth",
    feature = "files",
    feature = "instance",
    feature = "core-service"
))]

use std::collections::BTreeMap;
use std::fmt::Write as _;

use syn::{
    Attribute, Expr, Fields, GenericArgument, ImplItem, ImplItemFn, Item, ItemImpl, Lit,
    PathArguments, ReturnType, Type, TypeParamBound, WherePredicate,
};

#[cfg(feature = "workflow")]
#[test]
fn workflow_surface_matches_snapshot() {
    assert_surface("workflow", concat!(env!("OUT_DIR"), "/workflow.rs"));
}

#[cfg(feature = "auth")]
#[test]
fn auth_surface_matches_snapshot() {
    assert_surface("auth", concat!(env!("OUT_DIR"), "/auth.rs"));
}

#[cfg(feature = "files")]
#[test]
fn files_surface_matches_snapshot() {
    assert_surface("files", concat!(env!("OUT_DIR"), "/files.rs"));
}

#[cfg(feature = "instance")]
#[test]
fn instance_surface_matches_snapshot() {
    assert_surface("instance", concat!(env!("OUT_DIR"), "/instance.rs"));
}

#[cfg(feature = "core-service")]
#[test]
fn core_service_surface_matches_snapshot() {
    assert_surface("core-service", concat!(env!("OUT_DIR"), "/core_service.rs"));
}

fn assert_surface(section: &str, generated: &str) {
    let code = std::fs::read_to_string(generated)
        .unwrap_or_else(|e| panic!("reading the generated {generated}: {e}"));
    let file = syn::parse_file(&code)
        .unwrap_or_else(|e| panic!("the generated {generated} does not parse: {e}"));
    let surface = Surface::of(&file);
    assert!(
        !surface.operations.is_empty() || !surface.types.is_empty(),
        "found neither operations nor types in {generated}"
    );
    insta::assert_snapshot!(section, surface.render());
}

/// One operation as a caller of the builder sees it.
struct Operation {
    method: String,
    path: String,
    name: String,
    /// Builder setters in generated order, each with the type it accepts.
    params: Vec<String>,
    success: String,
    error: String,
    public: bool,
}

struct Surface {
    operations: Vec<Operation>,
    /// Type name to its rendered block, sorted by name.
    types: BTreeMap<String, String>,
}

impl Surface {
    fn of(file: &syn::File) -> Self {
        let public = public_operations(&file.items);
        let builders = module(&file.items, "builder");
        let mut operations: Vec<Operation> = client_methods(&file.items)
            .map(|(name, builder)| {
                let public = public.contains(&name);
                operation(builders, &builder, name, public)
            })
            .collect();
        operations.sort_by(|a, b| (&a.path, &a.method).cmp(&(&b.path, &b.method)));

        let types = module(&file.items, "types")
            .iter()
            .filter_map(type_block)
            .collect();
        Surface { operations, types }
    }

    fn render(&self) -> String {
        let mut out = String::new();
        if self.operations.is_empty() {
            // A section whose operations are all written by hand (files).
            out.push_str("(no generated operations)\n");
        }
        for op in &self.operations {
            let params = op.params.join(", ");
            let (method, path, name, success) = (&op.method, &op.path, &op.name, &op.success);
            write!(out, "{method} {path}  {name}({params}) -> {success}").unwrap();
            if op.error != "()" {
                write!(out, " | error {}", op.error).unwrap();
            }
            if op.public {
                out.push_str("  [no token]");
            }
            out.push('\n');
        }
        out.push('\n');
        for block in self.types.values() {
            out.push_str(block);
        }
        out
    }
}

/// The items of the top-level `mod <name> { ... }`.
fn module<'a>(items: &'a [Item], name: &str) -> &'a [Item] {
    items
        .iter()
        .find_map(|item| match item {
            Item::Mod(m) if m.ident == name => m.content.as_ref().map(|(_, items)| &items[..]),
            _ => None,
        })
        .unwrap_or_else(|| panic!("the generated code has no `mod {name}`"))
}

/// `impl Client` methods that start an operation: (method name, builder name).
fn client_methods(items: &[Item]) -> impl Iterator<Item = (String, String)> + '_ {
    items
        .iter()
        .filter_map(|item| match item {
            Item::Impl(i) if i.trait_.is_none() && self_type(i) == "Client" => Some(&i.items),
            _ => None,
        })
        .flatten()
        .filter_map(|item| {
            let ImplItem::Fn(f) = item else { return None };
            let ReturnType::Type(_, ty) = &f.sig.output else {
                return None;
            };
            let Type::Path(p) = &**ty else { return None };
            let segments: Vec<_> = p.path.segments.iter().collect();
            match segments[..] {
                [module, builder] if module.ident == "builder" => {
                    Some((f.sig.ident.to_string(), builder.ident.to_string()))
                }
                _ => None,
            }
        })
}

/// Reads one builder: its fields, their setters and `send`.
fn operation(builders: &[Item], builder: &str, name: String, public: bool) -> Operation {
    let fields = builders
        .iter()
        .find_map(|item| match item {
            Item::Struct(s) if s.ident == builder => Some(&s.fields),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no `builder::{builder}` struct"));
    let methods: Vec<&ImplItemFn> = builders
        .iter()
        .filter_map(|item| match item {
            Item::Impl(i) if i.trait_.is_none() && self_type(i) == builder => Some(&i.items),
            _ => None,
        })
        .flatten()
        .filter_map(|item| match item {
            ImplItem::Fn(f) => Some(f),
            _ => None,
        })
        .collect();
    let method = |name: &str| methods.iter().copied().find(|f| f.sig.ident == name);

    let send = method("send").unwrap_or_else(|| panic!("`builder::{builder}` has no `send`"));
    let (http_method, path) = request_line(&send.attrs)
        .unwrap_or_else(|| panic!("`builder::{builder}::send` has no \"Sends a ...\" doc"));
    let (success, error) = send_types(send)
        .unwrap_or_else(|| panic!("`builder::{builder}::send` returns an unexpected type"));

    let params = fields
        .iter()
        .filter_map(|field| {
            let name = field.ident.as_ref()?.to_string();
            if name == "client" {
                return None;
            }
            let stored = generic_args(&field.ty, "Result")
                .and_then(|args| args.into_iter().next())
                .unwrap_or_else(|| panic!("`{builder}.{name}` is not a `Result<_, String>`"));
            let (optional, stored) = match generic_args(stored, "Option") {
                Some(args) => (true, args[0]),
                None => (false, stored),
            };
            // The setter says what the caller hands over; the field may hold
            // a builder form of it instead (request bodies do).
            let given = method(&name)
                .and_then(setter_target)
                .map_or_else(|| render_type(stored), render_type);
            Some(if optional {
                format!("{name}: Option<{given}>")
            } else {
                format!("{name}: {given}")
            })
        })
        .collect();

    Operation {
        method: http_method,
        path,
        name,
        params,
        success,
        error,
        public,
    }
}

fn self_type(i: &ItemImpl) -> String {
    match &*i.self_ty {
        Type::Path(p) => p
            .path
            .segments
            .last()
            .map_or_else(String::new, |s| s.ident.to_string()),
        _ => String::new(),
    }
}

/// Method and path from the doc "Sends a `GET` request to `/users/`".
fn request_line(attrs: &[Attribute]) -> Option<(String, String)> {
    docs(attrs).find_map(|doc| {
        let rest = doc.trim().strip_prefix("Sends a `")?;
        let (method, rest) = rest.split_once('`')?;
        let path = rest.strip_prefix(" request to `")?.strip_suffix('`')?;
        Some((method.to_owned(), path.to_owned()))
    })
}

fn docs(attrs: &[Attribute]) -> impl Iterator<Item = String> + '_ {
    attrs.iter().filter_map(|attr| match &attr.meta {
        syn::Meta::NameValue(nv) if nv.path.is_ident("doc") => match &nv.value {
            Expr::Lit(lit) => match &lit.lit {
                Lit::Str(s) => Some(s.value()),
                _ => None,
            },
            _ => None,
        },
        _ => None,
    })
}

/// `T` and `E` of `Result<ResponseValue<T>, Error<E>>`.
fn send_types(send: &ImplItemFn) -> Option<(String, String)> {
    let ReturnType::Type(_, ty) = &send.sig.output else {
        return None;
    };
    let [value, error] = generic_args(ty, "Result")?[..] else {
        return None;
    };
    let success = generic_args(value, "ResponseValue")?[0];
    let error = generic_args(error, "Error")?[0];
    Some((render_type(success), render_type(error)))
}

/// `T` of a setter `fn name<V>(self, value: V) where V: TryInto<T>`.
fn setter_target(setter: &ImplItemFn) -> Option<&Type> {
    let clause = setter.sig.generics.where_clause.as_ref()?;
    clause.predicates.iter().find_map(|predicate| {
        let WherePredicate::Type(p) = predicate else {
            return None;
        };
        p.bounds.iter().find_map(|bound| {
            let TypeParamBound::Trait(t) = bound else {
                return None;
            };
            let last = t.path.segments.last()?;
            if last.ident != "TryInto" {
                return None;
            }
            match &last.arguments {
                PathArguments::AngleBracketed(a) => match a.args.first()? {
                    GenericArgument::Type(ty) => Some(ty),
                    _ => None,
                },
                _ => None,
            }
        })
    })
}

/// The type arguments of `ty` when its last path segment is `name`.
fn generic_args<'a>(ty: &'a Type, name: &str) -> Option<Vec<&'a Type>> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != name {
        return None;
    }
    let PathArguments::AngleBracketed(a) = &last.arguments else {
        return None;
    };
    let args: Vec<&Type> = a
        .args
        .iter()
        .filter_map(|arg| match arg {
            GenericArgument::Type(ty) => Some(ty),
            _ => None,
        })
        .collect();
    (!args.is_empty()).then_some(args)
}

/// Operations the build script lists in `PUBLIC_OPERATIONS`.
fn public_operations(items: &[Item]) -> Vec<String> {
    let Some(expr) = items.iter().find_map(|item| match item {
        Item::Const(c) if c.ident == "PUBLIC_OPERATIONS" => Some(&*c.expr),
        _ => None,
    }) else {
        return Vec::new();
    };
    let Expr::Reference(r) = expr else {
        panic!("`PUBLIC_OPERATIONS` is not `&[...]`")
    };
    let Expr::Array(array) = &*r.expr else {
        panic!("`PUBLIC_OPERATIONS` is not `&[...]`")
    };
    array
        .elems
        .iter()
        .filter_map(|elem| match elem {
            Expr::Lit(lit) => match &lit.lit {
                Lit::Str(s) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// A struct or enum of `mod types` as (name, block); other items are skipped.
fn type_block(item: &Item) -> Option<(String, String)> {
    let (keyword, name, attrs, body) = match item {
        Item::Struct(s) => ("struct", &s.ident, &s.attrs, render_fields(&s.fields, 1)),
        Item::Enum(e) => {
            let mut body = String::from(" {\n");
            for variant in &e.variants {
                let fields = render_fields(&variant.fields, 2);
                let line = format!("    {}{fields}", variant.ident);
                push_member(&mut body, &line, &serde_notes(&variant.attrs));
            }
            body.push('}');
            ("enum", &e.ident, &e.attrs, body)
        }
        Item::Type(t) => {
            let body = format!(" = {};", render_type(&t.ty));
            ("type", &t.ident, &t.attrs, body)
        }
        _ => return None,
    };
    let notes = serde_notes(attrs);
    let head = if notes.is_empty() {
        String::new()
    } else {
        format!("// {notes}\n")
    };
    let block = format!("{head}{keyword} {name}{body}\n");
    Some((name.to_string(), block))
}

/// Named fields one per line (indented by `depth`), tuple fields inline.
fn render_fields(fields: &Fields, depth: usize) -> String {
    let indent = "    ".repeat(depth);
    let close = "    ".repeat(depth - 1);
    match fields {
        Fields::Unit if depth == 1 => ";".to_owned(),
        Fields::Unit => String::new(),
        Fields::Unnamed(unnamed) => {
            let types: Vec<String> = unnamed.unnamed.iter().map(|f| render_type(&f.ty)).collect();
            let end = if depth == 1 { ";" } else { "" };
            format!("({}){end}", types.join(", "))
        }
        Fields::Named(named) => {
            let mut body = String::from(" {\n");
            for field in &named.named {
                let name = field.ident.as_ref().expect("named field");
                let line = format!("{indent}{name}: {}", render_type(&field.ty));
                push_member(&mut body, &line, &serde_notes(&field.attrs));
            }
            body.push_str(&close);
            body.push('}');
            body
        }
    }
}

/// Adds a field or variant, its serde notes on its first line.
fn push_member(body: &mut String, member: &str, notes: &str) {
    let (first, rest) = member.split_once('\n').unwrap_or((member, ""));
    body.push_str(first);
    if rest.is_empty() {
        body.push(',');
    }
    if !notes.is_empty() {
        write!(body, "  // {notes}").unwrap();
    }
    body.push('\n');
    if !rest.is_empty() {
        writeln!(body, "{rest},").unwrap();
    }
}

/// The string after `key =`, if any; a nested list such as
/// `rename(serialize = "..")` is read past and gives `None`.
fn serde_value(meta: &syn::meta::ParseNestedMeta) -> syn::Result<Option<String>> {
    if meta.input.peek(syn::Token![=]) {
        return Ok(match meta.value()?.parse::<Expr>()? {
            Expr::Lit(syn::ExprLit {
                lit: Lit::Str(s), ..
            }) => Some(s.value()),
            _ => None,
        });
    }
    if meta.input.peek(syn::token::Paren) {
        meta.parse_nested_meta(|inner| {
            if inner.input.peek(syn::Token![=]) {
                inner.value()?.parse::<Expr>()?;
            }
            Ok(())
        })?;
    }
    Ok(None)
}

/// The serde options that change the wire form: a rename as the quoted wire
/// name, and `default`, `flatten`, `untagged`, `tag`, `content`,
/// `deny_unknown_fields`. Options that only tidy output are left out.
fn serde_notes(attrs: &[Attribute]) -> String {
    let mut notes = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        attr.parse_nested_meta(|meta| {
            let key = meta.path.get_ident().map(ToString::to_string);
            let value = serde_value(&meta)?;
            match (key.as_deref().unwrap_or_default(), value) {
                ("rename", Some(value)) => notes.push(format!("{value:?}")),
                (key @ ("tag" | "content"), Some(value)) => {
                    notes.push(format!("{key} = {value:?}"));
                }
                (key @ ("default" | "flatten" | "untagged" | "deny_unknown_fields"), _) => {
                    notes.push(key.to_owned());
                }
                _ => {}
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("unexpected serde attribute: {e}"));
    }
    notes.join(", ")
}

/// Renders a type the way a caller writes it: `::std::option::Option<T>`
/// becomes `Option<T>`, `::chrono::DateTime<::chrono::offset::Utc>` becomes
/// `DateTime<Utc>`; crates a caller would name anyway (`serde_json::Value`)
/// keep their name.
fn render_type(ty: &Type) -> String {
    match ty {
        Type::Path(p) if p.qself.is_none() => {
            let segments: Vec<_> = p.path.segments.iter().collect();
            let root = segments[0].ident.to_string();
            let shorten = p.path.leading_colon.is_some()
                && ["std", "core", "alloc", "chrono", "uuid"].contains(&root.as_str());
            let shown = if shorten {
                &segments[segments.len() - 1..]
            } else {
                &segments[..]
            };
            let parts: Vec<String> = shown
                .iter()
                .map(|segment| {
                    let args = match &segment.arguments {
                        PathArguments::None => String::new(),
                        PathArguments::AngleBracketed(a) => {
                            let args: Vec<String> = a.args.iter().map(render_arg).collect();
                            format!("<{}>", args.join(", "))
                        }
                        PathArguments::Parenthesized(_) => {
                            panic!("render_type: no rendering for `Fn(..)` paths yet")
                        }
                    };
                    format!("{}{args}", segment.ident)
                })
                .collect();
            parts.join("::")
        }
        Type::Reference(r) => {
            let lifetime = r
                .lifetime
                .as_ref()
                .map_or_else(String::new, |l| format!("'{} ", l.ident));
            let mutability = if r.mutability.is_some() { "mut " } else { "" };
            format!("&{lifetime}{mutability}{}", render_type(&r.elem))
        }
        Type::Tuple(t) => {
            let elems: Vec<String> = t.elems.iter().map(render_type).collect();
            match elems.len() {
                1 => format!("({},)", elems[0]),
                _ => format!("({})", elems.join(", ")),
            }
        }
        Type::Slice(s) => format!("[{}]", render_type(&s.elem)),
        Type::Paren(p) => render_type(&p.elem),
        Type::Group(g) => render_type(&g.elem),
        // A new form in the generated code should fail loudly here rather
        // than leave a hole in the snapshot.
        _ => panic!("render_type: no rendering for this form of type yet"),
    }
}

fn render_arg(arg: &GenericArgument) -> String {
    match arg {
        GenericArgument::Type(ty) => render_type(ty),
        GenericArgument::Lifetime(l) => format!("'{}", l.ident),
        GenericArgument::AssocType(a) => format!("{} = {}", a.ident, render_type(&a.ty)),
        _ => panic!("render_type: no rendering for this generic argument yet"),
    }
}

/// Forms today's specs do not produce (string enums, tagged enums, serde
/// defaults, error bodies), so that the first spec to use one gets a
/// readable snapshot rather than a hole.
#[test]
fn renders_forms_the_bundled_specs_do_not_use_yet() {
    let code = r#"
        pub mod types {
            #[serde(tag = "kind", content = "data", deny_unknown_fields)]
            pub enum Shape {
                #[serde(rename = "circle")]
                Circle { radius: f64 },
                #[serde(rename(serialize = "sq"))]
                Square(f64),
                Nothing,
            }
            pub struct Page {
                #[serde(default, skip_serializing_if = "Vec::is_empty")]
                pub items: ::std::vec::Vec<::std::collections::BTreeMap<String, ::uuid::Uuid>>,
                #[serde(flatten)]
                pub extra: ::serde_json::Map<::std::string::String, ::serde_json::Value>,
            }
            pub struct Marker;
            pub mod builder {}
        }
        impl Client {
            pub fn patch_shape(&self) -> builder::PatchShape<'_> { builder::PatchShape::new(self) }
        }
        pub mod builder {
            pub struct PatchShape<'a> {
                client: &'a super::Client,
                id: Result<::std::num::NonZeroU64, String>,
                body: Result<types::builder::Page, String>,
            }
            impl<'a> PatchShape<'a> {
                pub fn id<V>(mut self, value: V) -> Self
                where V: std::convert::TryInto<::std::num::NonZeroU64> { self }
                pub fn body<V>(mut self, value: V) -> Self
                where
                    V: std::convert::TryInto<types::Page>,
                    <V as std::convert::TryInto<types::Page>>::Error: std::fmt::Display,
                { self }
                ///Sends a `PATCH` request to `/shapes/{id}`
                pub async fn send(self)
                    -> Result<ResponseValue<types::Shape>, Error<types::Problem>> { todo!() }
            }
        }
        pub(crate) const PUBLIC_OPERATIONS: &[&str] = &["patch_shape"];
    "#;
    let file = syn::parse_file(code).expect("parses");

    let expected = r#"PATCH /shapes/{id}  patch_shape(id: NonZeroU64, body: types::Page) -> types::Shape | error types::Problem  [no token]

struct Marker;
struct Page {
    items: Vec<BTreeMap<String, Uuid>>,  // default
    extra: serde_json::Map<String, serde_json::Value>,  // flatten
}
// tag = "kind", content = "data", deny_unknown_fields
enum Shape {
    Circle {  // "circle"
        radius: f64,
    },
    Square(f64),
    Nothing,
}
"#;
    assert_eq!(Surface::of(&file).render(), expected);
}
