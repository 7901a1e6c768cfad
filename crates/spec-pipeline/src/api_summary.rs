//! A public-API summary of a generated client: each operation as the Rust call a user writes, and
//! each type with its fields. It is read from the generated source with `syn`, so it shows what the
//! compiler sees, and a reviewer reads the Rust API change beside the spec change in one snapshot.

use std::fmt::Write;

use syn::{
    Attribute, Fields, FieldsUnnamed, GenericArgument, ImplItem, ImplItemFn, Item, PathArguments,
    ReturnType, Type, WherePredicate,
};

/// Summarizes generated client source. Fails only when the source does not parse.
pub fn summarize(source: &str) -> Result<String, String> {
    let file =
        syn::parse_file(source).map_err(|err| format!("generated source does not parse: {err}"))?;
    let mut out = String::new();
    let builders = find_module(&file.items, "builder");
    let types = find_module(&file.items, "types");

    out.push_str("# Operations\n");
    for operation in operations_of(&file) {
        let _ = writeln!(
            out,
            "\n{}: {} {}",
            operation.name, operation.method, operation.path
        );
        let _ = writeln!(
            out,
            "  client.{}(){}",
            operation.name,
            builder_calls(builders, &operation.builder)
        );
    }

    out.push_str("\n# Types\n");
    for item in types.into_iter().flatten() {
        match item {
            Item::Struct(item) => {
                let name = item.ident.to_string();
                match &item.fields {
                    Fields::Named(fields) => {
                        let _ = writeln!(out, "\nstruct {name} {{");
                        for field in &fields.named {
                            let ident = field
                                .ident
                                .as_ref()
                                .map(ToString::to_string)
                                .unwrap_or_default();
                            let wire = wire_name(&field.attrs);
                            let _ = writeln!(out, "  {ident}: {}{wire}", render_type(&field.ty));
                        }
                        out.push_str("}\n");
                    }
                    Fields::Unnamed(fields) => {
                        let _ = writeln!(out, "\nstruct {name}({})", tuple_types(fields));
                    }
                    Fields::Unit => {
                        let _ = writeln!(out, "\nstruct {name}");
                    }
                }
            }
            Item::Enum(item) => {
                let _ = writeln!(out, "\nenum {} {{", item.ident);
                for variant in &item.variants {
                    let wire = wire_name(&variant.attrs);
                    let payload = match &variant.fields {
                        Fields::Unnamed(fields) => format!("({})", tuple_types(fields)),
                        _ => String::new(),
                    };
                    let _ = writeln!(out, "  {}{payload}{wire}", variant.ident);
                }
                out.push_str("}\n");
            }
            Item::Type(alias) => {
                let _ = writeln!(out, "\ntype {} = {}", alias.ident, render_type(&alias.ty));
            }
            _ => {}
        }
    }
    Ok(out)
}

/// One generated operation method on `Client`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OperationSignature {
    /// The method's name, which is also the `operation_id` progenitor passes to the hooks.
    pub name: String,
    /// The HTTP method, upper case.
    pub method: String,
    /// The path template relative to the base URL (`/public/factx/{profileId}`).
    pub path: String,
    /// The builder type the method returns.
    pub builder: String,
}

/// The operations of a parsed generated client, in the order they are generated.
pub(crate) fn operations_of(file: &syn::File) -> Vec<OperationSignature> {
    let mut found = Vec::new();
    for method in inherent_methods(&file.items, "Client") {
        // progenitor documents each operation method with "Sends a `METHOD` request to `/path`".
        let docs = method.attrs.iter().filter_map(doc_string);
        let Some(request) = docs.map(syn::LitStr::value).find_map(|text| {
            let line = text
                .lines()
                .find_map(|line| line.trim().strip_prefix("Sends a "));
            line.map(str::to_string)
        }) else {
            continue;
        };
        let mut parts = request.split('`').filter(|part| !part.trim().is_empty());
        let (Some(http_method), Some(_), Some(path)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let builder = match &method.sig.output {
            ReturnType::Type(_, ty) => type_name(ty),
            ReturnType::Default => continue,
        };
        found.push(OperationSignature {
            name: method.sig.ident.to_string(),
            method: http_method.to_string(),
            path: path.to_string(),
            builder,
        });
    }
    found
}

/// The methods of the inherent `impl` blocks, among `items`, of the type named `name`.
pub(crate) fn inherent_methods<'a>(
    items: &'a [Item],
    name: &'a str,
) -> impl Iterator<Item = &'a ImplItemFn> {
    items
        .iter()
        .filter_map(move |item| match item {
            Item::Impl(block) if block.trait_.is_none() && type_name(&block.self_ty) == name => {
                Some(&block.items)
            }
            _ => None,
        })
        .flatten()
        .filter_map(|member| match member {
            ImplItem::Fn(method) => Some(method),
            _ => None,
        })
}

/// The chained setter calls of an operation's builder and the `send` signature.
fn builder_calls(builders: Option<&[Item]>, builder: &str) -> String {
    let mut calls = String::new();
    let mut send = String::from(".send()");
    for method in inherent_methods(builders.unwrap_or_default(), builder) {
        let name = method.sig.ident.to_string();
        if name == "send" {
            if let ReturnType::Type(_, ty) = &method.sig.output {
                send = format!("\n    .send() -> {}", render_type(ty));
            }
            continue;
        }
        if name == "new" || name.ends_with("_map") {
            continue;
        }
        let target = method
            .sig
            .generics
            .where_clause
            .iter()
            .flat_map(|clause| &clause.predicates)
            .find_map(|predicate| match predicate {
                WherePredicate::Type(bound) => bound.bounds.iter().find_map(|bound| match bound {
                    syn::TypeParamBound::Trait(bound) => {
                        bound.path.segments.last().and_then(|segment| {
                            (segment.ident == "TryInto")
                                .then(|| generic_args(&segment.arguments))?
                        })
                    }
                    _ => None,
                }),
                _ => None,
            })
            .unwrap_or_else(|| "?".to_string());
        let _ = write!(calls, "\n    .{name}({target})");
    }
    calls + &send
}

pub(crate) fn find_module<'a>(items: &'a [Item], name: &str) -> Option<&'a [Item]> {
    items.iter().find_map(|item| match item {
        Item::Mod(module) if module.ident == name => {
            module.content.as_ref().map(|(_, items)| items.as_slice())
        }
        _ => None,
    })
}

/// The text of a `#[doc = "…"]` attribute (a `///` line).
pub(crate) fn doc_string(attr: &Attribute) -> Option<&syn::LitStr> {
    match &attr.meta {
        syn::Meta::NameValue(pair) if pair.path.is_ident("doc") => match &pair.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(text),
                ..
            }) => Some(text),
            _ => None,
        },
        _ => None,
    }
}

/// The types of a tuple struct or variant, comma-separated.
fn tuple_types(fields: &FieldsUnnamed) -> String {
    type_list(fields.unnamed.iter().map(|field| &field.ty))
}

/// Types as [`render_type`] writes them, comma-separated.
fn type_list<'a>(types: impl IntoIterator<Item = &'a Type>) -> String {
    let rendered: Vec<String> = types.into_iter().map(render_type).collect();
    rendered.join(", ")
}

/// ` (json: name)` for the `rename = "..."` of a `#[serde(...)]` attribute (the field's or
/// variant's JSON name); nothing without one.
fn wire_name(attrs: &[Attribute]) -> String {
    let mut rename = None;
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.input.peek(syn::Token![=]) {
                let value: syn::Expr = meta.value()?.parse()?;
                if meta.path.is_ident("rename")
                    && let syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(text),
                        ..
                    }) = value
                {
                    rename = Some(text.value());
                }
            }
            Ok(())
        });
    }
    rename
        .map(|wire| format!(" (json: {wire})"))
        .unwrap_or_default()
}

fn type_name(ty: &Type) -> String {
    match ty {
        Type::Path(path) => path
            .path
            .segments
            .last()
            .map(|segment| segment.ident.to_string())
            .unwrap_or_default(),
        Type::Reference(reference) => type_name(&reference.elem),
        _ => String::new(),
    }
}

/// A type as a reader writes it: last path segments only (`Option<String>`, not
/// `::std::option::Option<::std::string::String>`), lifetimes dropped.
pub(crate) fn render_type(ty: &Type) -> String {
    match ty {
        Type::Path(path) => match path.path.segments.last() {
            Some(segment) => format!(
                "{}{}",
                segment.ident,
                generic_args(&segment.arguments)
                    .map(|args| format!("<{args}>"))
                    .unwrap_or_default()
            ),
            None => String::new(),
        },
        Type::Reference(reference) => format!("&{}", render_type(&reference.elem)),
        Type::Tuple(tuple) => format!("({})", type_list(&tuple.elems)),
        Type::Slice(slice) => format!("[{}]", render_type(&slice.elem)),
        Type::Array(array) => format!("[{}; _]", render_type(&array.elem)),
        _ => "?".to_string(),
    }
}

fn generic_args(arguments: &PathArguments) -> Option<String> {
    let PathArguments::AngleBracketed(args) = arguments else {
        return None;
    };
    let types = type_list(args.args.iter().filter_map(|arg| match arg {
        GenericArgument::Type(ty) => Some(ty),
        _ => None,
    }));
    (!types.is_empty()).then_some(types)
}
