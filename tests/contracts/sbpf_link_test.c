/*
 * The link step (contracts/tools/sbpf-link.c): the shared objects it writes are checked against
 * the loader's rules one property at a time (ELF header, section placement, program headers,
 * dynamic table, every relocation and every call instruction), on the registry program and on a
 * small fixture whose relocations are known exactly; objects the loader could not run
 * (writable globals, pointers in read-only data, no entry point, truncated or foreign files) are
 * refused with a message.
 */
#include "test.h"

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef EM_BPF
#define EM_BPF 247
#endif

typedef struct {
    uint8_t *bytes;
    size_t len;
    const Elf64_Ehdr *eh;
    const Elf64_Shdr *sh;
    const Elf64_Phdr *ph;
} So;

static So load(const char *rel)
{
    So so;
    so.bytes = test_read_file(test_build_path(rel), &so.len);
    CHECK(so.len >= sizeof(Elf64_Ehdr));
    so.eh = (const Elf64_Ehdr *)so.bytes;
    CHECK(so.eh->e_shoff + (uint64_t)so.eh->e_shnum * sizeof(Elf64_Shdr) <= so.len);
    CHECK(so.eh->e_phoff + (uint64_t)so.eh->e_phnum * sizeof(Elf64_Phdr) <= so.len);
    so.sh = (const Elf64_Shdr *)(so.bytes + so.eh->e_shoff);
    so.ph = (const Elf64_Phdr *)(so.bytes + so.eh->e_phoff);
    return so;
}

static const Elf64_Shdr *section(const So *so, const char *name)
{
    const Elf64_Shdr *names = &so->sh[so->eh->e_shstrndx];
    for (int i = 0; i < so->eh->e_shnum; i++)
        if (strcmp((const char *)so->bytes + names->sh_offset + so->sh[i].sh_name, name) == 0)
            return &so->sh[i];
    test_fail(__FILE__, __LINE__, "no section %s", name);
}

static uint64_t dyn_value(const So *so, int64_t tag)
{
    const Elf64_Shdr *d = section(so, ".dynamic");
    const Elf64_Dyn *dyn = (const Elf64_Dyn *)(so->bytes + d->sh_offset);
    for (size_t i = 0; i < d->sh_size / sizeof *dyn && dyn[i].d_tag != DT_NULL; i++)
        if (dyn[i].d_tag == tag)
            return dyn[i].d_un.d_val;
    test_fail(__FILE__, __LINE__, "no dynamic tag %lld", (long long)tag);
}

static uint32_t imm(const uint8_t *insn)
{
    return (uint32_t)insn[4] | (uint32_t)insn[5] << 8 | (uint32_t)insn[6] << 16 |
           (uint32_t)insn[7] << 24;
}

/* Every loader rule the issue lists; returns the number of each relocation kind. */
static void check_loadable(const So *so, int *relative, int *syscalls)
{
    const Elf64_Ehdr *eh = so->eh;
    CHECK(memcmp(eh->e_ident, ELFMAG, SELFMAG) == 0);
    CHECK_UINT_EQ(eh->e_ident[EI_CLASS], ELFCLASS64);
    CHECK_UINT_EQ(eh->e_ident[EI_DATA], ELFDATA2LSB);
    CHECK_UINT_EQ(eh->e_ident[EI_OSABI], ELFOSABI_NONE);
    CHECK_UINT_EQ(eh->e_type, ET_DYN);
    CHECK_UINT_EQ(eh->e_machine, EM_BPF);
    CHECK_UINT_EQ(eh->e_flags, 0);
    CHECK_UINT_EQ(eh->e_ehsize, sizeof(Elf64_Ehdr));
    CHECK_UINT_EQ(eh->e_phentsize, sizeof(Elf64_Phdr));
    CHECK_UINT_EQ(eh->e_shentsize, sizeof(Elf64_Shdr));
    CHECK_UINT_EQ(so->sh[0].sh_type, SHT_NULL);

    const Elf64_Shdr *text = section(so, ".text");
    const Elf64_Shdr *rodata = section(so, ".rodata");
    CHECK_UINT_EQ(text->sh_addr, text->sh_offset);
    CHECK_UINT_EQ(rodata->sh_addr, rodata->sh_offset);
    CHECK(eh->e_entry >= text->sh_addr && eh->e_entry < text->sh_addr + text->sh_size);
    CHECK_UINT_EQ((eh->e_entry - text->sh_addr) % 8, 0);

    /* Sections in ascending, non-overlapping file order, clear of the header tables. */
    uint64_t end = eh->e_phoff + eh->e_phnum * sizeof(Elf64_Phdr);
    for (int i = 1; i < eh->e_shnum; i++) {
        CHECK(so->sh[i].sh_offset >= end);
        end = so->sh[i].sh_offset + so->sh[i].sh_size;
        CHECK(end <= eh->e_shoff);
    }

    /* One PT_LOAD over the loaded sections and a PT_DYNAMIC over .dynamic. */
    CHECK_UINT_EQ(eh->e_phnum, 2);
    const Elf64_Shdr *dynamic = section(so, ".dynamic");
    CHECK_UINT_EQ(so->ph[0].p_type, PT_LOAD);
    CHECK(so->ph[0].p_offset <= text->sh_offset && so->ph[0].p_vaddr == so->ph[0].p_offset);
    CHECK(so->ph[0].p_offset + so->ph[0].p_filesz >= rodata->sh_offset + rodata->sh_size);
    CHECK_UINT_EQ(so->ph[1].p_type, PT_DYNAMIC);
    CHECK_UINT_EQ(so->ph[1].p_offset, dynamic->sh_offset);
    CHECK_UINT_EQ(so->ph[1].p_filesz, dynamic->sh_size);

    /* The dynamic table names the sections that hold what it describes. */
    const Elf64_Shdr *reldyn = section(so, ".rel.dyn");
    const Elf64_Shdr *dynsym = section(so, ".dynsym");
    const Elf64_Shdr *dynstr = section(so, ".dynstr");
    CHECK_UINT_EQ(dyn_value(so, DT_REL), reldyn->sh_addr);
    CHECK_UINT_EQ(dyn_value(so, DT_RELSZ), reldyn->sh_size);
    CHECK_UINT_EQ(dyn_value(so, DT_RELENT), 16);
    CHECK_UINT_EQ(dyn_value(so, DT_SYMTAB), dynsym->sh_addr);
    CHECK_UINT_EQ(dyn_value(so, DT_STRTAB), dynstr->sh_addr);
    CHECK_UINT_EQ(dyn_value(so, DT_STRSZ), dynstr->sh_size);

    /* Relocations: RELATIVE on lddw of a .rodata address, 64_32 on `call -1` of a syscall. */
    const Elf64_Rel *rel = (const Elf64_Rel *)(so->bytes + reldyn->sh_offset);
    const Elf64_Sym *sym = (const Elf64_Sym *)(so->bytes + dynsym->sh_offset);
    size_t nsym = dynsym->sh_size / sizeof *sym;
    size_t nrel = reldyn->sh_size / sizeof *rel;
    uint8_t *marked = calloc(text->sh_size / 8 + 1, 1);
    CHECK(marked != NULL);
    *relative = *syscalls = 0;
    for (size_t i = 0; i < nrel; i++) {
        uint64_t off = rel[i].r_offset;
        CHECK(off >= text->sh_offset && off + 8 <= text->sh_offset + text->sh_size);
        const uint8_t *insn = so->bytes + off;
        marked[(off - text->sh_offset) / 8] = 1;
        if (ELF64_R_TYPE(rel[i].r_info) == 8) {
            CHECK_UINT_EQ(insn[0], 0x18);
            uint64_t addr = imm(insn) | (uint64_t)imm(insn + 8) << 32;
            CHECK_MSG(addr >= rodata->sh_addr && addr < rodata->sh_addr + rodata->sh_size,
                      "lddw at 0x%llx loads 0x%llx, outside .rodata", (unsigned long long)off,
                      (unsigned long long)addr);
            (*relative)++;
        } else {
            CHECK_UINT_EQ(ELF64_R_TYPE(rel[i].r_info), 10);
            CHECK_UINT_EQ(insn[0], 0x85);
            CHECK_UINT_EQ(imm(insn), 0xffffffffu);
            size_t s = ELF64_R_SYM(rel[i].r_info);
            CHECK(s > 0 && s < nsym);
            CHECK_UINT_EQ(sym[s].st_shndx, SHN_UNDEF);
            CHECK(strncmp((const char *)so->bytes + dynstr->sh_offset + sym[s].st_name, "sol_",
                          4) == 0);
            (*syscalls)++;
        }
    }
    /* Every other call is pc-relative to an instruction inside .text. (An lddw without a
     * relocation loads a 64-bit constant, not an address.) */
    size_t ninsn = text->sh_size / 8;
    for (size_t i = 0; i < ninsn; i++) {
        const uint8_t *insn = so->bytes + text->sh_offset + i * 8;
        if (insn[0] == 0x85 && !marked[i]) {
            int64_t target = (int64_t)i + 1 + (int32_t)imm(insn);
            CHECK_MSG(target >= 0 && (size_t)target < ninsn, "call at %zu leaves .text", i);
            CHECK((insn[1] >> 4) == 1); /* src 1: a call to a program function */
        }
        if (insn[0] == 0x18)
            i++; /* the second half of an lddw is not an instruction */
    }
    free(marked);
}

TEST(test_registry_object_meets_the_loader_rules)
{
    So so = load("contracts/wasm_registry.so");
    int relative, syscalls;
    check_loadable(&so, &relative, &syscalls);
    CHECK(relative > 50);
    CHECK(syscalls > 50);
    free(so.bytes);
}

TEST(test_fixture_relocations_are_exactly_the_expected_ones)
{
    So so = load("contracts/fixtures/link_ok.so");
    int relative, syscalls;
    check_loadable(&so, &relative, &syscalls);
    CHECK_INT_EQ(relative, 1);
    CHECK_INT_EQ(syscalls, 1);
    const Elf64_Shdr *rodata = section(&so, ".rodata");
    const char *greeting = "hello from the link fixture";
    CHECK(memmem(so.bytes + rodata->sh_offset, rodata->sh_size, greeting, strlen(greeting)) !=
          NULL);
    /* The one lddw points exactly at the string. */
    const Elf64_Shdr *reldyn = section(&so, ".rel.dyn");
    const Elf64_Rel *rel = (const Elf64_Rel *)(so.bytes + reldyn->sh_offset);
    for (int i = 0; i < 2; i++) {
        if (ELF64_R_TYPE(rel[i].r_info) != 8)
            continue;
        uint64_t addr = imm(so.bytes + rel[i].r_offset);
        CHECK(memcmp(so.bytes + addr, greeting, strlen(greeting)) == 0);
    }
    const Elf64_Shdr *dynsym = section(&so, ".dynsym");
    const Elf64_Shdr *dynstr = section(&so, ".dynstr");
    const Elf64_Sym *sym = (const Elf64_Sym *)(so.bytes + dynsym->sh_offset);
    CHECK_UINT_EQ(dynsym->sh_size / sizeof *sym, 3); /* null, sol_log_, entrypoint */
    CHECK_STR_EQ((const char *)so.bytes + dynstr->sh_offset + sym[1].st_name, "sol_log_");
    CHECK_STR_EQ((const char *)so.bytes + dynstr->sh_offset + sym[2].st_name, "entrypoint");
    CHECK_UINT_EQ(sym[2].st_value, so.eh->e_entry);
    free(so.bytes);
}

/* Runs the linker on `input` and returns its exit status; its stderr goes to `message`. */
static int link_file(const char *input, char *message, size_t cap)
{
    char cmd[4096];
    char linker[1024];
    snprintf(linker, sizeof linker, "%s", test_build_path("contracts/sbpf-link"));
    snprintf(cmd, sizeof cmd, "'%s' '%s' /dev/null 2>&1", linker, input);
    FILE *p = popen(cmd, "r");
    CHECK(p != NULL);
    size_t n = fread(message, 1, cap - 1, p);
    message[n] = 0;
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int link_fixture(const char *name, char *message, size_t cap)
{
    char path[1024];
    snprintf(path, sizeof path, "%s", test_build_path(name));
    return link_file(path, message, cap);
}

TEST(test_linker_refuses_writable_globals)
{
    char msg[1024];
    CHECK_INT_EQ(link_fixture("contracts/fixtures/link_writable.o", msg, sizeof msg), 1);
    CHECK_STR_HAS(msg, "section .bss is writable data: on-chain programs have no writable globals");
}

TEST(test_linker_refuses_pointers_in_read_only_data)
{
    char msg[1024];
    CHECK_INT_EQ(link_fixture("contracts/fixtures/link_pointers.o", msg, sizeof msg), 1);
    CHECK_STR_HAS(msg, "relocations in loaded data (pointers in read-only data) are not supported");
}

TEST(test_linker_refuses_an_object_without_entrypoint)
{
    char msg[1024];
    CHECK_INT_EQ(link_fixture("contracts/fixtures/link_no_entry.o", msg, sizeof msg), 1);
    CHECK_STR_HAS(msg, "no global function 'entrypoint' in .text");
}

TEST(test_linker_refuses_truncated_and_foreign_files)
{
    char msg[1024];
    size_t len;
    uint8_t *obj = test_read_file(test_build_path("contracts/fixtures/link_ok.o"), &len);
    char path[] = "/tmp/aegis-sbpf-link-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    FILE *f = fdopen(fd, "wb");
    CHECK(f != NULL);
    CHECK_UINT_EQ(fwrite(obj, 1, 100, f), 100); /* header only: section table past the end */
    fclose(f);
    CHECK_INT_EQ(link_file(path, msg, sizeof msg), 1);
    CHECK_STR_HAS(msg, "bad section header table");

    f = fopen(path, "wb");
    CHECK(f != NULL);
    fputs("#!/bin/sh\necho not an object\n", f);
    fclose(f);
    CHECK_INT_EQ(link_file(path, msg, sizeof msg), 1);
    CHECK_STR_HAS(msg, "not an ELF file");

    /* A native (x86-64) relocatable object of the host test build. */
    CHECK_INT_EQ(
        link_file(test_build_path("obj/tests/contracts/sbpf_link_test.o"), msg, sizeof msg), 1);
    CHECK_STR_HAS(msg, "not a relocatable eBPF object");
    unlink(path);
    free(obj);
}
