/** Vite's ?raw imports: the file's text (the domain's tests have no Node types to read files with). */
declare module '*?raw' {
  const text: string;
  export default text;
}
