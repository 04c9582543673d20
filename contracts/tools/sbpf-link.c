/*
 * sbpf-link: the project's link step for on-chain programs. It turns the relocatable eBPF object
 * that `clang -target bpf -O2 -c` produces into an SBPF v0 shared object that Solana's loader
 * accepts (Debian's ld.lld refuses BPF relocations). Usage: sbpf-link IN.o OUT.so
 *
 * What the loader (the lenient ELF parser of SBPF v0) needs, and what this writes:
 *   - ELF64 little-endian, ET_DYN, EM_BPF, e_flags 0, e_entry = address of `entrypoint`;
 *   - `.text` and `.rodata` whose sh_addr equals sh_offset (the loader maps the file image as
 *     read-only memory at 1<<32 + file offset), sections in ascending file order;
 *   - one PT_LOAD over the loaded sections and a PT_DYNAMIC over `.dynamic`, which holds
 *     DT_REL, DT_RELSZ, DT_RELENT (16), DT_SYMTAB, DT_STRTAB, DT_STRSZ;
 *   - `.rel.dyn` entries: R_BPF_64_RELATIVE (8) at each `lddw` of a read-only data address, whose
 *     two immediates hold the absolute file address (low half, high half); R_BPF_64_32 (10) at
 *     each syscall `call -1`, naming an undefined `.dynsym` symbol whose name the loader hashes;
 *   - calls between the program's own functions resolved here to pc-relative immediates.
 * Anything else (writable data, pointers stored in read-only data, other relocation types, a
 * second code section) is refused with a message, since the loader would reject or mis-run it.
 */
#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef EM_BPF
#define EM_BPF 247
#endif
#define R_BPF_64_64 1
#define R_BPF_64_RELATIVE 8
#define R_BPF_64_32 10
#define BPF_INSN_BYTES 8
#define BPF_OP_LDDW 0x18
#define BPF_OP_CALL 0x85
#define MAX_INPUT_BYTES (64u << 20)
#define MAX_SYSCALLS 64
#define MAX_RO_SECTIONS 32
#define MAX_INPUT_SECTIONS 1024
#define SYSCALL_NAME_MAX_BYTES 64 /* the loader reads dynamic symbol names up to this length */

static const char *input_path = "";

static _Noreturn void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "sbpf-link: %s: ", input_path);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

typedef struct {
    const uint8_t *bytes;
    size_t len;
    const Elf64_Ehdr *eh;
    const Elf64_Shdr *sh;
    const char *shstr;
    size_t shstr_len;
} Input;

static const char *section_name(const Input *in, size_t idx)
{
    uint32_t off = in->sh[idx].sh_name;
    if (off >= in->shstr_len || memchr(in->shstr + off, 0, in->shstr_len - off) == NULL)
        die("section %zu: name outside the section name table", idx);
    return in->shstr + off;
}

/* The bytes of a section that has file contents, checked to lie in the file and, for tables
 * read as structs, to be aligned for them. */
static const uint8_t *section_bytes(const Input *in, size_t idx, size_t align)
{
    const Elf64_Shdr *s = &in->sh[idx];
    if (s->sh_type == SHT_NOBITS)
        die("section %zu (%s) has no file contents", idx, section_name(in, idx));
    if (s->sh_offset > in->len || s->sh_size > in->len - s->sh_offset)
        die("section %zu (%s) lies outside the file", idx, section_name(in, idx));
    if (s->sh_offset % align != 0)
        die("section %zu (%s) is misaligned", idx, section_name(in, idx));
    return in->bytes + s->sh_offset;
}

static void read_input(Input *in, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die("cannot open: %s", strerror(errno));
    uint8_t *buf = malloc(MAX_INPUT_BYTES);
    if (!buf)
        die("out of memory");
    size_t n = fread(buf, 1, MAX_INPUT_BYTES, f);
    bool more = fgetc(f) != EOF;
    fclose(f);
    if (more)
        die("larger than %u bytes", MAX_INPUT_BYTES);
    in->bytes = buf;
    in->len = n;
    if (n < sizeof(Elf64_Ehdr) || memcmp(buf, ELFMAG, SELFMAG) != 0)
        die("not an ELF file");
    in->eh = (const Elf64_Ehdr *)buf;
    if (buf[EI_CLASS] != ELFCLASS64 || buf[EI_DATA] != ELFDATA2LSB)
        die("not ELF64 little-endian");
    if (in->eh->e_type != ET_REL || in->eh->e_machine != EM_BPF)
        die("not a relocatable eBPF object (e_type %u, e_machine %u)", in->eh->e_type,
            in->eh->e_machine);
    if (in->eh->e_shentsize != sizeof(Elf64_Shdr) || in->eh->e_shnum == 0 ||
        in->eh->e_shnum > MAX_INPUT_SECTIONS || in->eh->e_shoff % 8 != 0 || in->eh->e_shoff > n ||
        (uint64_t)in->eh->e_shnum * sizeof(Elf64_Shdr) > n - in->eh->e_shoff)
        die("bad section header table");
    in->sh = (const Elf64_Shdr *)(buf + in->eh->e_shoff);
    if (in->eh->e_shstrndx >= in->eh->e_shnum)
        die("bad section name table index");
    const Elf64_Shdr *ss = &in->sh[in->eh->e_shstrndx];
    if (ss->sh_offset > n || ss->sh_size > n - ss->sh_offset)
        die("section name table outside the file");
    in->shstr = (const char *)buf + ss->sh_offset;
    in->shstr_len = ss->sh_size;
}

static bool is_rodata(const Input *in, size_t idx)
{
    const Elf64_Shdr *s = &in->sh[idx];
    return (s->sh_flags & SHF_ALLOC) && !(s->sh_flags & (SHF_WRITE | SHF_EXECINSTR)) &&
           s->sh_type == SHT_PROGBITS && strncmp(section_name(in, idx), ".rodata", 7) == 0;
}

/* Growable output image. */
typedef struct {
    uint8_t *bytes;
    size_t len, cap;
} Out;

static size_t out_reserve(Out *o, size_t n, size_t align)
{
    size_t start = (o->len + align - 1) / align * align;
    if (start + n > o->cap) {
        size_t cap = o->cap ? o->cap : 4096;
        while (cap < start + n)
            cap *= 2;
        uint8_t *b = realloc(o->bytes, cap);
        if (!b)
            die("out of memory");
        memset(b + o->cap, 0, cap - o->cap);
        o->bytes = b;
        o->cap = cap;
    }
    o->len = start + n;
    return start;
}

static uint32_t strtab_add(Out *tab, const char *s)
{
    size_t n = strlen(s) + 1;
    size_t at = out_reserve(tab, n, 1);
    memcpy(tab->bytes + at, s, n);
    return (uint32_t)at;
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

typedef struct {
    uint64_t offset;
    uint64_t info;
} Rel;

/* Everything one link needs: the input, where its sections went, and what the output gathers. */
typedef struct {
    Input in;
    size_t text;                /* input index of .text */
    size_t ro[MAX_RO_SECTIONS]; /* input indices of the .rodata* sections */
    size_t nro;
    const Elf64_Sym *syms;
    size_t nsyms;
    const char *strtab;
    size_t strtab_len;
    uint64_t out_addr[MAX_INPUT_SECTIONS]; /* output address of each loaded input section */
    bool loaded[MAX_INPUT_SECTIONS];
    Out image;
    uint64_t text_off, text_size, ro_off, ro_size;
    const char *syscalls[MAX_SYSCALLS]; /* names, in .dynsym order after the null symbol */
    size_t nsyscalls;
    Rel *rels;
    size_t nrels;
    uint64_t entry;
} Link;

/* A symbol's name, checked to be a terminated string inside the string table. */
static const char *symbol_name(const Link *l, const Elf64_Sym *sym)
{
    if (sym->st_name >= l->strtab_len ||
        memchr(l->strtab + sym->st_name, 0, l->strtab_len - sym->st_name) == NULL)
        die("symbol name outside the string table");
    return l->strtab + sym->st_name;
}

/* Sorts the input's sections: one .text, read-only data, nothing writable, one symbol table. */
static void classify_sections(Link *l)
{
    const Input *in = &l->in;
    size_t symtab = 0;
    for (size_t i = 1; i < in->eh->e_shnum; i++) {
        const Elf64_Shdr *s = &in->sh[i];
        const char *name = section_name(in, i);
        if (s->sh_type == SHT_SYMTAB) {
            if (symtab)
                die("more than one symbol table");
            symtab = i;
        }
        if (!(s->sh_flags & SHF_ALLOC))
            continue;
        if (s->sh_flags & SHF_EXECINSTR) {
            if (l->text || strcmp(name, ".text") != 0)
                die("code section %s: only one code section, .text, is supported "
                    "(do not build with -ffunction-sections)",
                    name);
            l->text = i;
        } else if (s->sh_flags & SHF_WRITE || s->sh_type == SHT_NOBITS) {
            if (s->sh_size > 0)
                die("section %s is writable data: on-chain programs have no writable globals",
                    name);
        } else if (is_rodata(in, i)) {
            if (l->nro == MAX_RO_SECTIONS)
                die("more than %d read-only data sections", MAX_RO_SECTIONS);
            l->ro[l->nro++] = i;
        } else if (s->sh_size > 0) {
            die("section %s: unsupported allocated section", name);
        }
    }
    if (!l->text)
        die("no .text section");
    if (!symtab)
        die("no symbol table");
    const Elf64_Shdr *st = &in->sh[symtab];
    if (st->sh_entsize != sizeof(Elf64_Sym) || st->sh_link == 0 || st->sh_link >= in->eh->e_shnum ||
        in->sh[st->sh_link].sh_type != SHT_STRTAB)
        die("bad symbol table");
    l->syms = (const Elf64_Sym *)section_bytes(in, symtab, 8);
    l->nsyms = st->sh_size / sizeof(Elf64_Sym);
    l->strtab = (const char *)section_bytes(in, st->sh_link, 1);
    l->strtab_len = in->sh[st->sh_link].sh_size;
}

/* Places the header tables, .text and the merged .rodata; addresses equal file offsets. */
static void place_loaded_sections(Link *l)
{
    const Input *in = &l->in;
    out_reserve(&l->image, sizeof(Elf64_Ehdr) + 2 * sizeof(Elf64_Phdr), 8);
    const Elf64_Shdr *ts = &in->sh[l->text];
    if (ts->sh_size % BPF_INSN_BYTES != 0)
        die(".text size %llu is not a whole number of instructions",
            (unsigned long long)ts->sh_size);
    l->text_size = ts->sh_size;
    l->text_off = out_reserve(&l->image, ts->sh_size, 8);
    memcpy(l->image.bytes + l->text_off, section_bytes(in, l->text, 1), ts->sh_size);
    l->out_addr[l->text] = l->text_off;
    l->loaded[l->text] = true;

    l->ro_off = (l->image.len + 7) / 8 * 8;
    for (size_t k = 0; k < l->nro; k++) {
        const Elf64_Shdr *s = &in->sh[l->ro[k]];
        uint64_t align = s->sh_addralign ? s->sh_addralign : 1;
        if (align > 4096 || (align & (align - 1)) != 0)
            die("section %s: alignment %llu unsupported", section_name(in, l->ro[k]),
                (unsigned long long)align);
        uint64_t at = out_reserve(&l->image, s->sh_size, k == 0 ? 8 : align);
        memcpy(l->image.bytes + at, section_bytes(in, l->ro[k], 1), s->sh_size);
        l->out_addr[l->ro[k]] = at;
        l->loaded[l->ro[k]] = true;
    }
    l->ro_size = l->nro ? l->image.len - l->ro_off : 0;
}

/* The .dynsym index (1-based) of a syscall name, adding it on first use. */
static size_t syscall_index(Link *l, const char *name, uint64_t off)
{
    size_t k = 0;
    while (k < l->nsyscalls && strcmp(l->syscalls[k], name) != 0)
        k++;
    if (k == l->nsyscalls) {
        if (l->nsyscalls == MAX_SYSCALLS)
            die("more than %d distinct syscalls", MAX_SYSCALLS);
        if (name[0] == 0 || strlen(name) >= SYSCALL_NAME_MAX_BYTES)
            die(".text+0x%llx: syscall name empty or too long", (unsigned long long)off);
        l->syscalls[l->nsyscalls++] = name;
    }
    return k + 1;
}

static void add_rel(Link *l, uint64_t off, uint64_t info)
{
    l->rels[l->nrels].offset = l->text_off + off;
    l->rels[l->nrels++].info = info;
}

/* One .text relocation: an lddw of a read-only address becomes the absolute file address plus
 * an R_BPF_64_RELATIVE entry; a call to our own function becomes pc-relative; a call to an
 * undefined name stays `call -1` with an R_BPF_64_32 entry naming the syscall. */
static void relocate_one(Link *l, const Elf64_Rel *r)
{
    uint64_t off = r->r_offset;
    uint32_t type = (uint32_t)ELF64_R_TYPE(r->r_info);
    uint64_t symi = ELF64_R_SYM(r->r_info);
    if (off % BPF_INSN_BYTES != 0 || off + BPF_INSN_BYTES > l->text_size)
        die(".text+0x%llx: relocation outside the code", (unsigned long long)off);
    if (symi >= l->nsyms)
        die(".text+0x%llx: bad symbol index", (unsigned long long)off);
    const Elf64_Sym *sym = &l->syms[symi];
    const char *name = symbol_name(l, sym);
    uint8_t *insn = l->image.bytes + l->text_off + off;
    size_t nsec = l->in.eh->e_shnum;

    if (type == R_BPF_64_64) {
        /* The implicit addend is the first immediate. */
        if (insn[0] != BPF_OP_LDDW || off + 2 * BPF_INSN_BYTES > l->text_size)
            die(".text+0x%llx: R_BPF_64_64 not on an lddw", (unsigned long long)off);
        if (sym->st_shndx == SHN_UNDEF || sym->st_shndx >= nsec || !l->loaded[sym->st_shndx] ||
            sym->st_shndx == l->text)
            die(".text+0x%llx: address of '%s' is not in read-only data", (unsigned long long)off,
                name);
        uint64_t in_section = (uint64_t)get_u32(insn + 4);
        if (sym->st_value > l->in.sh[sym->st_shndx].sh_size ||
            in_section > l->in.sh[sym->st_shndx].sh_size - sym->st_value)
            die(".text+0x%llx: address of '%s' past the end of its section",
                (unsigned long long)off, name);
        uint64_t addr = l->out_addr[sym->st_shndx] + sym->st_value + in_section;
        put_u32(insn + 4, (uint32_t)addr);
        put_u32(insn + 12, (uint32_t)(addr >> 32));
        add_rel(l, off, ELF64_R_INFO(0, R_BPF_64_RELATIVE));
    } else if (type == R_BPF_64_32) {
        if (insn[0] != BPF_OP_CALL)
            die(".text+0x%llx: R_BPF_64_32 not on a call", (unsigned long long)off);
        if (sym->st_shndx == l->text) {
            /* clang names the callee; a section symbol would hide the target. */
            if (ELF64_ST_TYPE(sym->st_info) == STT_SECTION)
                die(".text+0x%llx: call through a section symbol is not supported",
                    (unsigned long long)off);
            if (sym->st_value % BPF_INSN_BYTES != 0 || sym->st_value >= l->text_size)
                die(".text+0x%llx: call target of '%s' outside the code", (unsigned long long)off,
                    name);
            int64_t rel =
                (int64_t)(sym->st_value / BPF_INSN_BYTES) - (int64_t)(off / BPF_INSN_BYTES) - 1;
            put_u32(insn + 4, (uint32_t)(int32_t)rel);
        } else if (sym->st_shndx == SHN_UNDEF) {
            size_t index = syscall_index(l, name, off);
            put_u32(insn + 4, 0xffffffffu);
            add_rel(l, off, ELF64_R_INFO(index, R_BPF_64_32));
        } else {
            die(".text+0x%llx: call to '%s' outside .text", (unsigned long long)off, name);
        }
    } else {
        die(".text+0x%llx: unsupported relocation type %u", (unsigned long long)off, type);
    }
}

/* Applies every relocation of .text; refuses relocations of other loaded sections (pointers in
 * data would need load-time fixups the loader does not make); ignores debug sections. */
static void relocate(Link *l)
{
    const Input *in = &l->in;
    size_t nsec = in->eh->e_shnum;
    size_t max = 0;
    for (size_t i = 1; i < nsec; i++)
        if (in->sh[i].sh_type == SHT_REL && in->sh[i].sh_info == l->text)
            max += in->sh[i].sh_size / sizeof(Elf64_Rel);
    l->rels = calloc(max + 1, sizeof(Rel));
    if (!l->rels)
        die("out of memory");
    for (size_t i = 1; i < nsec; i++) {
        const Elf64_Shdr *rs = &in->sh[i];
        if (rs->sh_type == SHT_RELA)
            die("section %s: RELA relocations are not produced by the BPF target",
                section_name(in, i));
        if (rs->sh_type != SHT_REL)
            continue;
        if (rs->sh_info >= nsec)
            die("section %s: bad target section", section_name(in, i));
        if (rs->sh_info != l->text) {
            if (in->sh[rs->sh_info].sh_flags & SHF_ALLOC)
                die("section %s: relocations in loaded data (pointers in read-only data) are "
                    "not supported",
                    section_name(in, i));
            continue;
        }
        if (rs->sh_entsize != sizeof(Elf64_Rel) || rs->sh_size % sizeof(Elf64_Rel) != 0)
            die("section %s: bad relocation table", section_name(in, i));
        const Elf64_Rel *r = (const Elf64_Rel *)section_bytes(in, i, 8);
        for (size_t j = 0; j < rs->sh_size / sizeof(Elf64_Rel); j++)
            relocate_one(l, &r[j]);
    }
}

static void find_entry(Link *l)
{
    for (size_t i = 0; i < l->nsyms; i++) {
        const Elf64_Sym *sym = &l->syms[i];
        if (ELF64_ST_BIND(sym->st_info) == STB_GLOBAL && sym->st_shndx == l->text &&
            strcmp(symbol_name(l, sym), "entrypoint") == 0) {
            if (sym->st_value % BPF_INSN_BYTES != 0 || sym->st_value >= l->text_size)
                die("'entrypoint' lies outside .text");
            l->entry = l->text_off + sym->st_value;
            return;
        }
    }
    die("no global function 'entrypoint' in .text");
}

enum { S_NULL, S_TEXT, S_RODATA, S_DYNAMIC, S_DYNSYM, S_DYNSTR, S_RELDYN, S_SHSTRTAB, S_NUM };
enum { DYN_ENTRIES = 8 };

/* Appends .dynamic, .dynsym, .dynstr, .rel.dyn, .shstrtab and the section headers, then writes
 * the ELF header and the two program headers at the front. */
static void write_tables(Link *l)
{
    Out *o = &l->image;
    Out dynstr = {0};
    strtab_add(&dynstr, "");
    /* .dynsym: the null symbol, one undefined symbol per syscall, then `entrypoint`. */
    size_t ndyn = l->nsyscalls + 2;
    Elf64_Sym *dsyms = calloc(ndyn, sizeof(Elf64_Sym));
    if (!dsyms)
        die("out of memory");
    for (size_t k = 0; k < l->nsyscalls; k++) {
        dsyms[k + 1].st_name = strtab_add(&dynstr, l->syscalls[k]);
        dsyms[k + 1].st_info = ELF64_ST_INFO(STB_GLOBAL, STT_NOTYPE);
        dsyms[k + 1].st_shndx = SHN_UNDEF;
    }
    dsyms[ndyn - 1].st_name = strtab_add(&dynstr, "entrypoint");
    dsyms[ndyn - 1].st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC);
    dsyms[ndyn - 1].st_shndx = S_TEXT;
    dsyms[ndyn - 1].st_value = l->entry;

    uint64_t dyn_off = out_reserve(o, DYN_ENTRIES * sizeof(Elf64_Dyn), 8);
    uint64_t dynsym_off = out_reserve(o, ndyn * sizeof(Elf64_Sym), 8);
    memcpy(o->bytes + dynsym_off, dsyms, ndyn * sizeof(Elf64_Sym));
    uint64_t dynstr_off = out_reserve(o, dynstr.len, 1);
    memcpy(o->bytes + dynstr_off, dynstr.bytes, dynstr.len);
    uint64_t reldyn_off = out_reserve(o, l->nrels * sizeof(Elf64_Rel), 8);
    for (size_t k = 0; k < l->nrels; k++) {
        Elf64_Rel rel = {l->rels[k].offset, l->rels[k].info};
        memcpy(o->bytes + reldyn_off + k * sizeof rel, &rel, sizeof rel);
    }
    uint64_t load_end = o->len;
    uint64_t relsz = l->nrels * sizeof(Elf64_Rel);
    Elf64_Dyn dyn[DYN_ENTRIES] = {
        {DT_REL, {reldyn_off}},           {DT_RELSZ, {relsz}},
        {DT_RELENT, {sizeof(Elf64_Rel)}}, {DT_SYMTAB, {dynsym_off}},
        {DT_SYMENT, {sizeof(Elf64_Sym)}}, {DT_STRTAB, {dynstr_off}},
        {DT_STRSZ, {dynstr.len}},         {DT_NULL, {0}},
    };
    memcpy(o->bytes + dyn_off, dyn, sizeof dyn);

    Out shstr = {0};
    strtab_add(&shstr, "");
    static const char *const names[S_NUM] = {"",        ".text",   ".rodata",  ".dynamic",
                                             ".dynsym", ".dynstr", ".rel.dyn", ".shstrtab"};
    uint32_t name_off[S_NUM] = {0};
    for (int k = 1; k < S_NUM; k++)
        name_off[k] = strtab_add(&shstr, names[k]);
    uint64_t shstr_off = out_reserve(o, shstr.len, 1);
    memcpy(o->bytes + shstr_off, shstr.bytes, shstr.len);

    Elf64_Shdr sh[S_NUM];
    memset(sh, 0, sizeof sh);
    sh[S_TEXT] = (Elf64_Shdr){name_off[S_TEXT],
                              SHT_PROGBITS,
                              SHF_ALLOC | SHF_EXECINSTR,
                              l->text_off,
                              l->text_off,
                              l->text_size,
                              0,
                              0,
                              8,
                              0};
    sh[S_RODATA] = (Elf64_Shdr){
        name_off[S_RODATA], SHT_PROGBITS, SHF_ALLOC, l->ro_off, l->ro_off, l->ro_size, 0, 0, 8, 0};
    sh[S_DYNAMIC] =
        (Elf64_Shdr){name_off[S_DYNAMIC], SHT_DYNAMIC, SHF_ALLOC, dyn_off, dyn_off,
                     sizeof dyn,          S_DYNSTR,    0,         8,       sizeof(Elf64_Dyn)};
    sh[S_DYNSYM] = (Elf64_Shdr){
        name_off[S_DYNSYM],       SHT_DYNSYM, SHF_ALLOC, dynsym_off, dynsym_off,
        ndyn * sizeof(Elf64_Sym), S_DYNSTR,   1,         8,          sizeof(Elf64_Sym)};
    sh[S_DYNSTR] = (Elf64_Shdr){name_off[S_DYNSTR], SHT_STRTAB, SHF_ALLOC, dynstr_off, dynstr_off,
                                dynstr.len,         0,          0,         1,          0};
    sh[S_RELDYN] =
        (Elf64_Shdr){name_off[S_RELDYN], SHT_REL, SHF_ALLOC, reldyn_off,       reldyn_off, relsz,
                     S_DYNSYM,           0,       8,         sizeof(Elf64_Rel)};
    sh[S_SHSTRTAB] =
        (Elf64_Shdr){name_off[S_SHSTRTAB], SHT_STRTAB, 0, 0, shstr_off, shstr.len, 0, 0, 1, 0};
    uint64_t shoff = out_reserve(o, sizeof sh, 8);
    memcpy(o->bytes + shoff, sh, sizeof sh);

    Elf64_Phdr ph[2] = {
        {PT_LOAD, PF_R | PF_X, l->text_off, l->text_off, l->text_off, load_end - l->text_off,
         load_end - l->text_off, 8},
        {PT_DYNAMIC, PF_R, dyn_off, dyn_off, dyn_off, sizeof dyn, sizeof dyn, 8},
    };
    memcpy(o->bytes + sizeof(Elf64_Ehdr), ph, sizeof ph);

    Elf64_Ehdr eh;
    memset(&eh, 0, sizeof eh);
    memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_ident[EI_OSABI] = ELFOSABI_NONE;
    eh.e_type = ET_DYN;
    eh.e_machine = EM_BPF;
    eh.e_version = EV_CURRENT;
    eh.e_entry = l->entry;
    eh.e_phoff = sizeof(Elf64_Ehdr);
    eh.e_shoff = shoff;
    eh.e_flags = 0;
    eh.e_ehsize = sizeof(Elf64_Ehdr);
    eh.e_phentsize = sizeof(Elf64_Phdr);
    eh.e_phnum = 2;
    eh.e_shentsize = sizeof(Elf64_Shdr);
    eh.e_shnum = S_NUM;
    eh.e_shstrndx = S_SHSTRTAB;
    memcpy(o->bytes, &eh, sizeof eh);

    free(dsyms);
    free(dynstr.bytes);
    free(shstr.bytes);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: sbpf-link IN.o OUT.so\n");
        return 2;
    }
    input_path = argv[1];
    static Link link; /* large: keep it off the stack */
    read_input(&link.in, argv[1]);
    classify_sections(&link);
    place_loaded_sections(&link);
    relocate(&link);
    find_entry(&link);
    write_tables(&link);

    FILE *f = fopen(argv[2], "wb");
    if (!f || fwrite(link.image.bytes, 1, link.image.len, f) != link.image.len || fclose(f) != 0) {
        fprintf(stderr, "sbpf-link: %s: cannot write: %s\n", argv[2], strerror(errno));
        return 1;
    }
    free(link.image.bytes);
    free(link.rels);
    free((void *)link.in.bytes);
    return 0;
}
